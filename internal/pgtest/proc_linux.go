package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// runAs returns the user postgres, when the test runs as root (initdb and
// postgres refuse to run as root), or nil to run as the current user.
func runAs() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("as root, PostgreSQL must run as the user postgres (made by the postgresql package): %w", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user postgres: uid %q, gid %q", u.Uid, u.Gid)
	}
	return &account{name: u.Username, uid: uid, gid: gid}, nil
}

// procAttr puts initdb and postgres into a process group of their own, so
// that a Ctrl-C at the terminal reaches only the test binary, runs them
// as acct (with no supplementary groups) unless it is nil, and has the
// kernel kill them should the test binary die without running Main's
// shutdown (a test timeout panic, SIGKILL): see startLocked. The
// backends of a killed postmaster notice its death and exit.
func procAttr(acct *account) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if acct != nil {
		attr.Credential = &syscall.Credential{Uid: uint32(acct.uid), Gid: uint32(acct.gid)}
	}
	return attr
}
