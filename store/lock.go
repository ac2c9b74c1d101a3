package store

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Lock is the exclusive lock one serve holds on a database for its whole
// life, so that two gateways never drain the same outbox (every customer
// would get each notice twice). It is an advisory lock (flock) on the
// side file PATH.lock, which holds the holder's process id; the kernel
// drops it when the process ends, however it ends, so a stale file never
// blocks the next serve. The CLI's commands do not take it: they work
// beside a running serve.
type Lock struct {
	f    *os.File
	path string
}

// LockedError is returned by AcquireLock when another process holds the
// lock. PID is the holder's process id as it wrote it, 0 if unknown.
type LockedError struct {
	Path string // the database
	PID  int
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("database %s is in use by another serve (pid %d): one serve per database", e.Path, e.PID)
	}
	return fmt.Sprintf("database %s is in use by another serve: one serve per database", e.Path)
}

// LockPath is the side file AcquireLock locks for the database at path.
func LockPath(path string) string { return path + ".lock" }

// AcquireLock takes the serve lock of the database at path without
// waiting: a *LockedError when another process holds it. The lock file is
// created if needed and left in place after Release.
func AcquireLock(path string) (*Lock, error) {
	lp := LockPath(path)
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lp, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", lp, err)
	}
	if held {
		b, _ := os.ReadFile(lp)
		f.Close()
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return nil, &LockedError{Path: path, PID: pid}
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", lp, err)
	}
	return &Lock{f: f, path: lp}, nil
}

// Release gives the lock up. The file stays; its content is only read
// while someone holds the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
