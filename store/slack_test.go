package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"helpdesk/core"
)

// The Slack tables are keyed by primary keys, whose violations SQLite
// reports with their own code: a second event id or message is a
// conflict, not an internal error.
func TestSlack_DuplicatesAreConflicts(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	err = db.Tx(ctx, func(tx core.Tx) error {
		st := core.SlackTx(tx)
		if err := st.MarkSlackEvent(ctx, "Ev1", at); err != nil {
			t.Fatalf("first event: %v", err)
		}
		if err := st.MarkSlackEvent(ctx, "Ev1", at); core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("second event: %v, want conflict", err)
		}
		// A week later the id is forgotten.
		if err := st.MarkSlackEvent(ctx, "Ev1", at.Add(8*24*time.Hour)); err != nil {
			t.Fatalf("event a week later: %v", err)
		}
		if _, err := st.TicketBySlackThread(ctx, "C1", "1.1"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("thread of no ticket: %v", err)
		}
		if _, err := st.SlackMessage(ctx, "C1", "1.2"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("unknown message: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
