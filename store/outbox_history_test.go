package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"helpdesk/core"
)

func mustEnqueue(t *testing.T, db *DB, ticket int64, n int) []int64 {
	t.Helper()
	ids, err := enqueueIDs(db, ticket, n)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func enqueue(db *DB, ticket int64, n int) error {
	_, err := enqueueIDs(db, ticket, n)
	return err
}

func enqueueIDs(db *DB, ticket int64, n int) ([]int64, error) {
	ctx := context.Background()
	var ids []int64
	err := db.Tx(ctx, func(tx core.Tx) error {
		for range n {
			it := &core.OutboxItem{Kind: core.OutboxEmail, Ticket: ticket, Payload: []byte("{}"), NextAttempt: t0, CreatedAt: t0}
			if err := tx.Enqueue(ctx, it); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	return ids, err
}

func TestOutbox_HistoryAndRetryDead(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	ids := mustEnqueue(t, db, tk.Number, 3)

	// Row 0: retried, then sent. Row 1: retried, then dead. Row 2: pending.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Retry(ctx, ids[0], t0.Add(2*time.Second), t0.Add(time.Minute), 2*time.Second, "451 later"))
	must(db.Done(ctx, ids[0], t0.Add(time.Minute+time.Second), time.Second))
	must(db.Retry(ctx, ids[1], t0.Add(time.Second), t0.Add(time.Minute), time.Second, "451 later"))
	must(db.Dead(ctx, ids[1], t0.Add(time.Minute), 250*time.Millisecond, "550 no such user"))

	h, err := db.OutboxHistory(ctx, ids[0])
	must(err)
	if len(h) != 2 || h[0].Result != "retry" || h[0].Error != "451 later" || !h[0].At.Equal(t0) ||
		h[0].Duration != 2*time.Second || h[1].Result != "sent" || !h[1].At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("history of the sent row: %+v", h)
	}

	rows, err := db.OutboxRows(ctx, false, 0)
	must(err)
	if len(rows) != 2 || rows[0].ID != ids[1] || rows[0].State != "dead" || rows[1].ID != ids[2] || rows[1].State != "pending" {
		t.Fatalf("pending and dead rows: %+v", rows)
	}
	if len(rows[0].History) != 2 || rows[0].History[1].Result != "dead" || rows[0].LastError != "550 no such user" {
		t.Fatalf("dead row: %+v", rows[0])
	}
	// A card's row records its ticket's thread, from DoneAll and from
	// MarkSent (the journal after a restart).
	card := mustEnqueue(t, db, tk.Number, 2)
	if err := db.DoneAll(ctx, []core.OutboxSent{{ID: card[0], Ticket: tk.Number, At: t0, SlackChannel: "C1", SlackTS: "17.1"}}); err != nil {
		t.Fatal(err)
	}
	if ch, ts, err := db.SlackThread(ctx, tk.Number); err != nil || ch != "C1" || ts != "17.1" {
		t.Fatalf("thread after DoneAll: %q %q %v", ch, ts, err)
	}
	if ok, err := db.MarkSent(ctx, core.OutboxSent{ID: card[1], Ticket: tk.Number, At: t0, SlackChannel: "C2", SlackTS: "17.2"},
		core.OutboxEmail); !ok || err != nil {
		t.Fatalf("MarkSent: %v %v", ok, err)
	}
	if ch, ts, err := db.SlackThread(ctx, tk.Number); err != nil || ch != "C2" || ts != "17.2" {
		t.Fatalf("thread after MarkSent: %q %q %v", ch, ts, err)
	}
	dead, err := db.OutboxRows(ctx, true, 0)
	must(err)
	if len(dead) != 1 || dead[0].ID != ids[1] {
		t.Fatalf("dead rows: %+v", dead)
	}

	if err := db.RetryDead(ctx, ids[2], t0); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("retrying a pending row: %v, want ENOTFOUND", err)
	}
	now := t0.Add(time.Hour)
	must(db.RetryDead(ctx, ids[1], now))
	due, err := db.Due(ctx, now, 10)
	must(err)
	if len(due) != 2 || due[0].ID != ids[1] || due[0].Attempts != 0 || !due[0].NextAttempt.Equal(now) {
		t.Fatalf("due after retry: %+v", due)
	}
	if h, _ := db.OutboxHistory(ctx, ids[1]); len(h) != 2 {
		t.Fatalf("retrying by hand lost the history: %+v", h)
	}

	must(db.Dead(ctx, ids[1], now, 0, "550"))
	must(db.Dead(ctx, ids[2], now, 0, "550"))
	n, err := db.RetryAllDead(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("RetryAllDead = %d, %v; want 2", n, err)
	}
	if dead, _ := db.OutboxRows(ctx, true, 0); len(dead) != 0 {
		t.Fatalf("dead rows left: %+v", dead)
	}
}

func TestMailGuard_Counts(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	err := db.Tx(ctx, func(ctx0 core.Tx) error {
		tx := ctx0.(*Tx)
		for i := range 3 {
			if err := tx.RecordAutoMail(ctx, "a@x.example", 0, core.TemplateAck, t0.Add(time.Duration(i)*time.Minute), i == 2); err != nil {
				return err
			}
		}
		if err := tx.RecordAutoMail(ctx, "b@x.example", 0, core.TemplateAck, t0, false); err != nil {
			return err
		}
		sent, refused, err := tx.AutoMails(ctx, "a@x.example", t0.Add(-time.Hour))
		if err != nil || sent != 2 || refused != 1 {
			return fmt.Errorf("a: %d sent, %d refused, %v; want 2, 1", sent, refused, err)
		}
		if sent, _, _ := tx.AutoMails(ctx, "a@x.example", t0); sent != 1 {
			return fmt.Errorf("a after t0: %d sent, want 1", sent)
		}
		// A day later, the old records are forgotten.
		if err := tx.RecordAutoMail(ctx, "a@x.example", 0, core.TemplateAck, t0.Add(25*time.Hour), false); err != nil {
			return err
		}
		if sent, refused, _ := tx.AutoMails(ctx, "a@x.example", time.Time{}); sent != 1 || refused != 0 {
			return fmt.Errorf("a after pruning: %d sent, %d refused; want 1, 0", sent, refused)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A backup taken while another goroutine writes opens with Open and holds
// every row committed before it began.
func TestBackup_WhileWriting(t *testing.T) {
	sqliteOnly(t)
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	mustEnqueue(t, db, tk.Number, 200)

	var written atomic.Int64
	errs := make(chan error, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := enqueue(db, tk.Number, 5); err != nil {
				errs <- err
				return
			}
			written.Add(5)
		}
	}()
	for written.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	before := 200 + written.Load()
	path := filepath.Join(t.TempDir(), "copy.db")
	err := db.Backup(ctx, path)
	close(stop)
	wg.Wait()
	select {
	case werr := <-errs:
		t.Fatalf("writing during the backup: %v", werr)
	default:
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("backup over an existing file: %v, want ECONFLICT", err)
	}

	cp, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var n int64
	if err := cp.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < before || n%5 != 0 {
		t.Fatalf("copy has %d outbox rows; want at least %d, whole transactions only", n, before)
	}
	var subject string
	if err := cp.db.QueryRowContext(ctx, `SELECT subject FROM tickets WHERE id = ?`, tk.Number).Scan(&subject); err != nil {
		t.Fatalf("ticket in the copy: %v", err)
	}
	t.Logf("copy holds %d of %d rows written", n, 200+written.Load())
}

// TestOutbox_MarkSent: a row found in the worker's journal after a
// restart is marked sent only while pending, and only if it is the row
// the journal names (same ticket and kind).
func TestOutbox_MarkSent(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	ids := mustEnqueue(t, db, tk.Number, 3)
	if err := db.Done(ctx, ids[2], t0, time.Second); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		id     int64
		ticket int64
		kind   string
		want   bool
	}{
		{"pending, same row", ids[0], tk.Number, core.OutboxEmail, true},
		{"marked already", ids[0], tk.Number, core.OutboxEmail, false},
		{"another ticket's row", ids[1], tk.Number + 1, core.OutboxEmail, false},
		{"another kind", ids[1], tk.Number, core.OutboxSlackTicket, false},
		{"sent before", ids[2], tk.Number, core.OutboxEmail, false},
		{"no such row", ids[2] + 100, tk.Number, core.OutboxEmail, false},
	} {
		got, err := db.MarkSent(ctx, core.OutboxSent{ID: c.id, Ticket: c.ticket, At: t0.Add(time.Minute)}, c.kind)
		if err != nil || got != c.want {
			t.Errorf("%s: MarkSent = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	due, err := db.Due(ctx, t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].ID != ids[1] {
		t.Fatalf("due after marking: %+v, want only row %d", due, ids[1])
	}
}

// TestOutbox_DoneAll: a batch of rows is marked sent in one transaction,
// each with its attempt; a row that is no longer pending is left as it
// is and does not fail the batch.
func TestOutbox_DoneAll(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	ids := mustEnqueue(t, db, tk.Number, doneRows+50) // two statements
	if err := db.Dead(ctx, ids[49], t0, time.Second, "550 no"); err != nil {
		t.Fatal(err)
	}
	var rows []core.OutboxSent
	for i, id := range ids {
		rows = append(rows, core.OutboxSent{ID: id, Ticket: tk.Number, At: t0.Add(time.Duration(i) * time.Second), Duration: time.Second})
	}
	// Cards posted anew: the last one names the ticket's thread.
	for i, ts := range map[int]string{10: "1.0", doneRows + 10: "2.0", doneRows + 30: "3.0"} {
		rows[i].SlackChannel, rows[i].SlackTS = "C1", ts
	}
	before := db.Statements()
	if err := db.DoneAll(ctx, rows); err != nil {
		t.Fatalf("DoneAll: %v", err)
	}
	if got := db.Statements() - before; got != 2 {
		t.Errorf("DoneAll of %d rows ran %d transaction statements, want one BEGIN and one COMMIT", len(rows), got)
	}
	if due, err := db.Due(ctx, t0.Add(time.Hour), 100); err != nil || len(due) != 0 {
		t.Fatalf("due after DoneAll: %d rows, %v", len(due), err)
	}
	for _, i := range []int{3, doneRows + 3} {
		h, err := db.OutboxHistory(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if start := t0.Add(time.Duration(i-1) * time.Second); len(h) != 1 || h[0].Result != "sent" || !h[0].At.Equal(start) || h[0].Duration != time.Second {
			t.Errorf("history of row %d: %+v, want one sent attempt started at %v", i, h, start)
		}
	}
	if ch, ts, err := db.SlackThread(ctx, tk.Number); err != nil || ch != "C1" || ts != "3.0" {
		t.Errorf("ticket's thread %q %q (%v), want the last card's, C1 3.0", ch, ts, err)
	}
	dead, err := db.OutboxRows(ctx, true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != ids[49] || len(dead[0].History) != 1 {
		t.Fatalf("dead rows %+v, want row %d untouched", dead, ids[49])
	}
}

// TestOutbox_CardPending: a ticket's card may still come while its row
// is pending; once sent or dead (or with no card row) it will not.
func TestOutbox_CardPending(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	pending := func() bool {
		t.Helper()
		p, err := db.CardPending(ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if pending() {
		t.Fatal("pending with no card row")
	}
	var card int64
	err := db.Tx(ctx, func(tx core.Tx) error {
		it := &core.OutboxItem{Kind: core.OutboxSlackTicket, Lane: core.LaneSlack, Ticket: tk.Number, Payload: []byte("{}"), CreatedAt: t0}
		if err := tx.Enqueue(ctx, it); err != nil {
			return err
		}
		card = it.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustEnqueue(t, db, tk.Number, 1) // a pending row of another kind does not count
	if !pending() {
		t.Fatal("not pending with a pending card row")
	}
	if err := db.Dead(ctx, card, t0, time.Second, "invalid_blocks"); err != nil {
		t.Fatal(err)
	}
	if pending() {
		t.Fatal("pending once the card row is dead")
	}
}
