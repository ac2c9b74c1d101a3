package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"helpdesk/core"
)

// The writer leaves checkpoints to the checkpointer, and the WAL stays
// small: 20 MB written in 100 commits, each followed by a passive
// checkpoint, reuse the same few hundred kilobytes of WAL. Without the
// checkpointer the writer would copy only past 10,000 pages (40 MB).
func TestCheckpointer_KeepsTheWALSmall(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tk := mustTicket(t, db, "ann@example.com")
	raw := make([]byte, 200<<10)
	for i := range 100 {
		before := db.checkpoints.Load()
		err := db.Tx(ctx, func(tx core.Tx) error {
			return tx.AddMessage(ctx, &core.Message{Ticket: tk.Number, Direction: core.DirInbound,
				MessageID: fmt.Sprintf("m%d@example.com", i), BodyHash: "h", Raw: raw, CreatedAt: t0})
		})
		if err != nil {
			t.Fatal(err)
		}
		// The checkpointer runs on its own goroutine: wait for its run
		// after this commit.
		for deadline := time.Now().Add(10 * time.Second); db.checkpoints.Load() == before; {
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint within 10 s after commit %d", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if n := db.checkpointErrs.Load(); n != 0 {
		t.Errorf("%d checkpoints failed", n)
	}
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 2<<20 {
		t.Errorf("WAL is %d bytes after 20 MB written in 100 commits; want under 2 MB", st.Size())
	}
	var autockpt int
	if err := db.writer.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&autockpt); err != nil {
		t.Fatal(err)
	}
	if autockpt != writerAutocheckpoint {
		t.Errorf("writer's wal_autocheckpoint %d, want %d", autockpt, writerAutocheckpoint)
	}
}

// TestCheckpointer_CloseLeavesTheFileWhole: closing the database right
// after a commit, while the checkpointer may be copying, leaves no WAL
// beside the file: the database file alone holds every commit, as an
// operator who copies it after a stop expects. The checkpointer's
// statement was once cancelled at close, and the driver's interrupt,
// landing as the statement ended, cut short SQLite's checkpoint of the
// last connection: about one close in thirty left the WAL.
func TestCheckpointer_CloseLeavesTheFileWhole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for i := range 100 {
		path := filepath.Join(dir, fmt.Sprintf("h%d.db", i))
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		mustTicket(t, db, "ann@example.com")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			t.Fatalf("close %d left %s-wal", i, filepath.Base(path))
		}
	}
}
