//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestOpen_FileModes: the database and the files SQLite makes beside it
// are the gateway's alone (0600), whatever the umask lets through, and
// an existing file keeps the mode it has.
func TestOpen_FileModes(t *testing.T) {
	old := syscall.Umask(0o002)
	defer syscall.Umask(old)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustTicket(t, db, "ann@shop.example") // a write: the -wal and -shm exist now
	lock, err := AcquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	if err := db.Backup(ctx, path+".copy"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm", LockPath(path), path + ".copy"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(f), got)
		}
	}

	// A database the admin made group-readable stays so.
	other := filepath.Join(t.TempDir(), "shared.db")
	if err := os.WriteFile(other, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	if fi, _ := os.Stat(other); fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing database's mode changed to %04o", fi.Mode().Perm())
	}
}
