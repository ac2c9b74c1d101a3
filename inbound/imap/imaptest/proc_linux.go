package imaptest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// procAttr puts the Dovecot master into a process group of its own, so
// that Stop signals exactly the processes it started, and kills it should
// the test binary die without running its cleanups (a test timeout panic,
// SIGKILL); the master's children notice that and exit by themselves.
//
// Pdeathsig fires when the OS thread that started the master exits; the
// Go runtime keeps its threads unless a goroutine locked to one ends
// without unlocking it, which tests do not normally do.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func signalGroup(pgid int, sig syscall.Signal) {
	_ = syscall.Kill(-pgid, sig)
}

// exited reports whether the process has terminated, without reaping it:
// it is a zombie or (should someone else have reaped it) gone.
func exited(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// pid (comm) state ...; comm may contain spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	st := b[i+2]
	return st == 'Z' || st == 'X'
}

// groupAlive reports whether a process other than the leader itself is
// still running in process group pgid (zombies do not count).
func groupAlive(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == pgid {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			return true
		}
	}
	return false
}

// allowTraverse gives "search" permission (o+x, never read) on every
// ancestor of dir, and dir itself, that the mail user cannot traverse,
// e.g. the 0700 directory the testing package creates for t.TempDir.
// Changes outside that test directory are logged.
func allowTraverse(t testing.TB, dir string, uid, gid int) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	ownTop := filepath.Dir(dir) // created by the testing package for this test
	for p := dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("stat %s: no owner information", p)
		}
		perm := fi.Mode().Perm()
		var can bool
		switch {
		case int(st.Uid) == uid:
			can = perm&0o100 != 0
		case int(st.Gid) == gid:
			can = perm&0o010 != 0
		default:
			can = perm&0o001 != 0
		}
		if !can {
			mode := fi.Mode()&(os.ModePerm|os.ModeSticky|os.ModeSetgid|os.ModeSetuid) | 0o001
			if err := os.Chmod(p, mode); err != nil {
				return fmt.Errorf("let %s traverse %s: %w", mailUser, p, err)
			}
			if p != dir && p != ownTop {
				t.Logf("imaptest: chmod o+x %s (so that %s can reach the maildirs)", p, mailUser)
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
