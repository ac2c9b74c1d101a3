package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestCopyToPostgres: a SQLite database copied into an empty PostgreSQL
// one has every row, its credits verify on both sides, a thread's
// Message-IDs keep their order, search finds the copied messages, new
// rows take ids after the copied ones, and a second copy into the now
// filled database is refused.
func TestCopyToPostgres(t *testing.T) {
	dsn := pgDSN(t)
	ctx := context.Background()
	src, err := Open(ctx, filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tk := mustBooks(t, src)
	err = src.Tx(ctx, func(tx core.Tx) error {
		for i := range 3 {
			m := &core.Message{Ticket: tk.Number, Direction: core.DirInbound, From: "ann@shop.example",
				MessageID: fmt.Sprintf("m%d@shop.example", 2-i), BodyHash: "h", Subject: "blank page",
				Text: fmt.Sprintf("the zanzibar checkout, take %d", i), Raw: []byte("raw\x00bytes"), CreatedAt: t0}
			if err := tx.AddMessage(ctx, m); err != nil {
				return err
			}
		}
		if err := tx.IndexSent(ctx, "n1@support.example.com", tk.Number); err != nil {
			return err
		}
		_, err := tx.AddTag(ctx, tk.Number, "vip")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	thread := func(db *DB) (ids []string) {
		t.Helper()
		if err := db.Tx(ctx, func(tx core.Tx) (err error) { ids, err = tx.ThreadMessageIDs(ctx, tk.Number, 10); return err }); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	want := thread(src)

	rep, err := CopyToPostgres(ctx, src, dsn)
	if err != nil {
		t.Fatalf("copy: %v (%+v)", err, rep)
	}
	if rep.Search != 3 || rep.Rows == 0 || len(rep.Credit) != 0 {
		t.Errorf("report %+v, want 3 messages indexed, rows copied, no credit mismatch", rep)
	}
	for _, c := range rep.Tables {
		if c.Source != c.Target {
			t.Errorf("%s: %d rows, copied %d", c.Name, c.Source, c.Target)
		}
	}

	dst := mustOpenDSN(t, dsn)
	if got := thread(dst); !slices.Equal(got, want) {
		t.Errorf("thread after the copy %v, want %v", got, want)
	}
	hits, err := dst.Search(ctx, core.SearchQuery{Terms: []string{"zanzibar"}})
	if err != nil || len(hits) != 1 || hits[0].Number != tk.Number {
		t.Errorf("search after the copy: %+v, %v; want ticket %d", hits, err, tk.Number)
	}
	if next := mustTicket(t, dst, "bob@other.example"); next.Number != tk.Number+1 {
		t.Errorf("a new ticket after the copy is #%d, want #%d", next.Number, tk.Number+1)
	}
	if bad, err := dst.VerifyCredits(ctx); err != nil || len(bad) != 0 {
		t.Errorf("credits verify on the copy: %+v, %v", bad, err)
	}
	var raw []byte
	if err := dst.db.QueryRowContext(ctx, `SELECT raw FROM messages WHERE message_id = 'm0@shop.example'`).Scan(&raw); err != nil || string(raw) != "raw\x00bytes" {
		t.Errorf("raw bytes after the copy %q, %v", raw, err)
	}

	_, err = CopyToPostgres(ctx, src, dsn)
	if core.ErrorCode(err) != core.EINVALID || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second copy: %v, want a refusal of the non-empty target", err)
	}
}
