package outbound

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestWorker_JournalAfterACrash: a row goes out and the process dies
// before the database marks it (here: marking fails, and the worker is
// replaced as a restart would). The next worker reads the journal and
// marks the row sent without sending it again.
func TestWorker_JournalAfterACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.db-sent")
	j, unmarked, err := OpenJournal(path)
	if err != nil || len(unmarked) != 0 {
		t.Fatalf("new journal: %v %v", unmarked, err)
	}
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.Journal = j })
	id := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	env.q.DoneErr = errors.New("killed before the commit")
	if _, err := env.w.Drain(context.Background()); err == nil || !strings.Contains(err.Error(), "marks it from the journal") {
		t.Fatalf("Drain: %v, want the mark to be left to the journal", err)
	}
	j.Close()
	checkRow(t, env.q.row(id), "pending", 0)

	// The restart: a new worker on the same queue and journal file.
	env.q.DoneErr = nil
	j2, unmarked, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if want := (JournalEntry{ID: id, Ticket: 1, Kind: core.OutboxEmail}); len(unmarked) != 1 || unmarked[0] != want {
		t.Fatalf("journal holds %v, want [%v]", unmarked, want)
	}
	w := NewWorker(env.q, env.w.mail, env.w.sl, Options{From: testFrom, Now: env.clock.Now, Journal: j2, Unmarked: unmarked})
	if sent, err := w.Drain(context.Background()); err != nil || sent != 0 {
		t.Fatalf("Drain after the restart: sent %d, %v; want nothing sent", sent, err)
	}
	checkRow(t, env.q.row(id), "sent", 1)
	if n := len(env.relay.received()); n != 1 {
		t.Fatalf("the relay got %d mails, want 1", n)
	}
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("journal not cleared after marking: %q", b)
	}
}

// TestWorker_MarkFailsMidBatch: the rows of a batch are marked sent
// markChunk to a transaction, and the second transaction fails. The
// first chunk stays marked, the error names the rows left, and the next
// pass marks those from the journal without sending anything again.
func TestWorker_MarkFailsMidBatch(t *testing.T) {
	j, _, err := OpenJournal(filepath.Join(t.TempDir(), "j"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.Journal = j })
	const rows = markChunk + 8
	var ids []int64
	for tk := int64(1); tk <= rows; tk++ {
		ids = append(ids, env.q.add(t, core.OutboxEmail, tk, testNotice(), t0))
	}
	env.q.DoneOK, env.q.DoneErr = 1, errors.New("disk full")
	sent, err := env.w.Drain(context.Background())
	if err == nil || !strings.Contains(err.Error(), "and 7 other rows WAS SENT") || !strings.Contains(err.Error(), "marks it from the journal") {
		t.Fatalf("Drain: sent %d, %v; want the last 8 rows left to the journal", sent, err)
	}
	marked := 0
	for _, id := range ids {
		if env.q.row(id).State == "sent" {
			marked++
		}
	}
	if marked != markChunk {
		t.Fatalf("%d rows marked sent, want the first transaction's %d", marked, markChunk)
	}

	env.q.DoneErr = nil
	if sent, err := env.w.Drain(context.Background()); err != nil || sent != 0 {
		t.Fatalf("next pass: sent %d, %v; want nothing sent again", sent, err)
	}
	for _, id := range ids {
		checkRow(t, env.q.row(id), "sent", 1)
	}
	if n := len(env.relay.received()); n != rows {
		t.Fatalf("the relay got %d mails, want %d", n, rows)
	}
	if b, _ := os.ReadFile(j.path); len(b) != 0 {
		t.Fatalf("journal not cleared after marking: %q", b)
	}
}

// TestWorker_JournalEmptyAfterEachRow: a row marked in the database
// leaves nothing in the journal, so a restart marks nothing twice.
func TestWorker_JournalEmptyAfterEachRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	j, _, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.Journal = j })
	env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	env.q.add(t, core.OutboxEmail, 2, testNotice(), t0)
	env.drain(t, 2)
	if b, _ := os.ReadFile(path); len(b) != 0 {
		t.Fatalf("journal after two rows marked: %q", b)
	}
}

// TestOpenJournal_CutLine: a line without its newline is not a row, even
// when it parses: "1 4 email" may be the start of "1 42 email".
func TestOpenJournal_CutLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	if err := os.WriteFile(path, []byte("12 3 email\n13 0 slack_notice\n14 3 slack_ticket C0SUPPORT 1700000000.000001\nnonsense\n1 4 email"), 0o600); err != nil {
		t.Fatal(err)
	}
	j, rows, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	want := []JournalEntry{{ID: 12, Ticket: 3, Kind: "email"}, {ID: 13, Kind: "slack_notice"},
		{ID: 14, Ticket: 3, Kind: "slack_ticket", Channel: "C0SUPPORT", TS: "1700000000.000001"}}
	if len(rows) != 3 || rows[0] != want[0] || rows[1] != want[1] || rows[2] != want[2] {
		t.Fatalf("rows %v, want %v", rows, want)
	}
}

// TestWorker_JournalOfAnotherDatabase: a journal entry whose row is of
// another ticket or kind (a database restored under it) marks nothing.
func TestWorker_JournalOfAnotherDatabase(t *testing.T) {
	env := MustWorker(t, nil)
	id := env.q.add(t, core.OutboxEmail, 7, testNotice(), t0)
	w := NewWorker(env.q, env.w.mail, env.w.sl, Options{From: testFrom, Now: env.clock.Now,
		Unmarked: []JournalEntry{{ID: id, Ticket: 8, Kind: core.OutboxEmail}}})
	if sent, err := w.Drain(context.Background()); err != nil || sent != 1 {
		t.Fatalf("Drain: sent %d, %v; want the row sent, not marked", sent, err)
	}
	if n := len(env.relay.received()); n != 1 {
		t.Fatalf("relay got %d mails, want 1", n)
	}
}

// TestWorker_JournalKeepsTheCard: a ticket's card is posted and the
// process dies before its row is marked. The journal holds where it was
// posted; the restart marks the row, records the ticket's thread from it,
// and the reply goes into that thread without a second card.
func TestWorker_JournalKeepsTheCard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.db-sent")
	j, _, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.Journal = j })
	card := env.q.add(t, core.OutboxSlackTicket, 1, testPost(), t0)
	env.q.DoneErr = errors.New("killed before the commit")
	if _, err := env.w.Drain(context.Background()); err == nil {
		t.Fatal("Drain: no error, want the mark to fail")
	}
	j.Close()
	if _, ts, _ := env.q.SlackThread(context.Background(), 1); ts != "" {
		t.Fatalf("thread %q recorded before the mark", ts)
	}

	env.q.DoneErr = nil
	reply := env.q.add(t, core.OutboxSlackReply, 1, testPost(), t0)
	j2, unmarked, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if len(unmarked) != 1 || unmarked[0].TS == "" || unmarked[0].Channel != "C0SUPPORT" {
		t.Fatalf("journal holds %+v, want the card with its channel and ts", unmarked)
	}
	w := NewWorker(env.q, env.w.mail, env.w.sl, Options{From: testFrom, Now: env.clock.Now, Journal: j2, Unmarked: unmarked,
		Channels: map[string]string{"support": "C0SUPPORT"}})
	if sent, err := w.Drain(context.Background()); err != nil || sent != 1 {
		t.Fatalf("Drain after the restart: sent %d, %v; want the reply only", sent, err)
	}
	checkRow(t, env.q.row(card), "sent", 1)
	checkRow(t, env.q.row(reply), "sent", 1)
	msgs := env.slack.posted()
	if len(msgs) != 2 || msgs[0].ThreadTS != "" || msgs[1].ThreadTS != msgs[0].TS || msgs[0].TS != unmarked[0].TS {
		t.Fatalf("posts %+v, want the card once and the reply in its thread", msgs)
	}
}
