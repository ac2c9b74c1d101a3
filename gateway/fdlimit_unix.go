//go:build unix

package gateway

import "syscall"

// openFileLimit returns the process's soft and hard RLIMIT_NOFILE after
// raising the soft one to the hard one. Go's os package does that when
// the process starts (since Go 1.19); doing it again costs nothing and
// keeps it true should the runtime stop or fail to.
func openFileLimit() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	if r.Cur < r.Max {
		raised := syscall.Rlimit{Cur: r.Max, Max: r.Max}
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			r.Cur = r.Max
		}
	}
	return uint64(r.Cur), uint64(r.Max), nil
}
