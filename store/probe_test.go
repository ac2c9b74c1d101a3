package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDB_Writable: the probe commits a real change each time, and fails
// when SQLite refuses writes or another process holds the write lock
// past the caller's deadline.
func TestDB_Writable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	probes := func() (n int) {
		t.Helper()
		if err := db.db.QueryRowContext(ctx, `SELECT n FROM write_probe`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 0; i < 3; i++ {
		if err := db.Writable(ctx); err != nil {
			t.Fatalf("Writable: %v", err)
		}
	}
	if n := probes(); n != 2 {
		t.Fatalf("probe counter %d after 3 probes, want 2 (each probe a write)", n)
	}

	t.Run("Locked", func(t *testing.T) {
		other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=0")
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		c, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		defer c.ExecContext(ctx, "ROLLBACK")
		tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		err = db.Writable(tctx)
		if err == nil || !strings.Contains(err.Error(), "write failed") || !strings.Contains(err.Error(), "locked") {
			t.Fatalf("Writable under another's write lock: %v, want write failed: locked", err)
		}
	})

	t.Run("ReadOnly", func(t *testing.T) {
		if _, err := db.writer.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
			t.Fatal(err)
		}
		defer db.writer.ExecContext(ctx, "PRAGMA query_only = 0")
		err := db.Writable(ctx)
		if err == nil || !strings.Contains(err.Error(), "write failed") || !strings.Contains(err.Error(), "readonly") {
			t.Fatalf("Writable on a read-only connection: %v", err)
		}
	})
	if err := db.Writable(ctx); err != nil {
		t.Fatalf("Writable once the write lock is free again: %v", err)
	}
}
