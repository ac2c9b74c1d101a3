package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

// addText stores a message with this subject and text on ticket n.
func addText(t *testing.T, db *DB, n int64, subject, text string, at time.Time) int64 {
	t.Helper()
	m := &core.Message{Ticket: n, Direction: core.DirInbound, From: "ann@shop.example",
		MessageID: fmt.Sprintf("m%d-%d@x", n, at.UnixNano()), BodyHash: text, Subject: subject, Text: text, CreatedAt: at}
	if err := db.Tx(context.Background(), func(tx core.Tx) error { return tx.AddMessage(context.Background(), m) }); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func mustSearch(t *testing.T, db *DB, words string, q core.SearchQuery) []core.SearchHit {
	t.Helper()
	terms, err := core.SearchTerms(words)
	if err != nil {
		t.Fatal(err)
	}
	q.Terms = terms
	hits, err := db.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %q: %v", words, err)
	}
	return hits
}

func hitNumbers(hits []core.SearchHit) []int64 {
	var out []int64
	for _, h := range hits {
		out = append(out, h.Number)
	}
	return out
}

func TestSearch_RankedSnippetsAndFilters(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	a := mustTicket(t, db, "ann@shop.example")
	b := mustTicket(t, db, "bob@shop.example")
	c := mustTicket(t, db, "cyd@shop.example")
	addText(t, db, a.Number, "PayPal refund", "The PayPal payment was taken twice, please refund one.", t0)
	addText(t, db, b.Number, "Checkout", "Checkout page is blank; we also use PayPal among twenty other methods of payment here.", t0.Add(48*time.Hour))
	addText(t, db, c.Number, "Shipping", "Shipping rates are wrong.", t0)
	if err := db.Tx(ctx, func(tx core.Tx) error {
		_, err := tx.(*Tx).AddTag(ctx, b.Number, "billing")
		return err
	}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		words string
		q     core.SearchQuery
		want  []int64
	}{
		{"subject and repeated word rank first", "paypal", core.SearchQuery{}, []int64{a.Number, b.Number}},
		{"case and accents folded", "PÁYPAL", core.SearchQuery{}, []int64{a.Number, b.Number}},
		{"every word required", "paypal blank", core.SearchQuery{}, []int64{b.Number}},
		{"query syntax is only words", `paypal OR "shipping" NEAR(* -x`, core.SearchQuery{}, nil},
		{"status", "paypal", core.SearchQuery{Status: core.StatusClosed}, nil},
		{"department", "paypal", core.SearchQuery{Department: "support"}, []int64{a.Number, b.Number}},
		{"other department", "paypal", core.SearchQuery{Department: "sales"}, nil},
		{"account", "paypal", core.SearchQuery{Account: b.AccountID}, []int64{b.Number}},
		{"since", "paypal", core.SearchQuery{Since: t0.Add(time.Hour)}, []int64{b.Number}},
		{"until", "paypal", core.SearchQuery{Until: t0.Add(time.Hour)}, []int64{a.Number}},
		{"tag", "paypal", core.SearchQuery{Tag: "billing"}, []int64{b.Number}},
		{"limit", "paypal", core.SearchQuery{Limit: 1}, []int64{a.Number}},
		{"no hit", "invoice", core.SearchQuery{}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hits := mustSearch(t, db, tc.words, tc.q)
			if got := hitNumbers(hits); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("hits %v, want %v", got, tc.want)
			}
			for _, h := range hits {
				if !strings.Contains(strings.ToLower(h.Snippet), core.SnippetOpen+"paypal"+core.SnippetClose) || h.Score <= 0 {
					t.Errorf("hit %+v: no marked snippet or no score", h)
				}
			}
		})
	}
}

// A rolled back message is never found, even though the next message
// takes its id; a message rewritten after it was indexed is found as it
// is now.
func TestSearch_RolledBackAndRewrittenMessages(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	a := mustTicket(t, db, "ann@shop.example")
	boom := errors.New("boom")
	err := db.Tx(ctx, func(tx core.Tx) error {
		m := &core.Message{Ticket: a.Number, Direction: core.DirInbound, From: "ann@shop.example",
			MessageID: "rolled@x", BodyHash: "h", Text: "zanzibar", CreatedAt: t0}
		if err := tx.AddMessage(ctx, m); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if hits := mustSearch(t, db, "zanzibar", core.SearchQuery{}); len(hits) != 0 {
		t.Fatalf("a rolled back message was found: %+v", hits)
	}
	id := addText(t, db, a.Number, "", "zanzibar", t0)
	if _, err := db.IndexSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, db, "zanzibar", core.SearchQuery{}); len(hits) != 1 || hits[0].Message != id {
		t.Fatalf("hits %+v, want message %d", hits, id)
	}
	// A message moved or rewritten is found as it is now.
	if _, err := db.db.ExecContext(ctx, `UPDATE messages SET text = 'zebra' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, db, "zanzibar", core.SearchQuery{}); len(hits) != 0 {
		t.Fatalf("old text still found: %+v", hits)
	}
	if hits := mustSearch(t, db, "zebra", core.SearchQuery{}); len(hits) != 1 {
		t.Fatalf("new text not found: %+v", hits)
	}
}

// TestSearch_MigrationIndexesOldMessages stores a message in a database
// of the migrations before 0017, then applies 0017: the message is found.
func TestSearch_MigrationIndexesOldMessages(t *testing.T) {
	ctx := context.Background()
	db, err := openFile(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.migrate(ctx, 16); err != nil {
		t.Fatal(err)
	}
	a := mustTicket(t, db, "ann@shop.example")
	addText(t, db, a.Number, "Old", "an old message about quokkas", t0)
	if err := db.migrate(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, db, "quokkas", core.SearchQuery{}); len(hits) != 1 {
		t.Fatalf("old message not indexed: %+v", hits)
	}
}

// TestSearch_TenThousandTickets: a word in one of 10,000 generated
// tickets is found, with a snippet.
func TestSearch_TenThousandTickets(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 10,000 tickets")
	}
	db := MustOpen(t)
	ctx := context.Background()
	if err := db.Generate(ctx, 10_000, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.GenerateMessages(ctx, 1, t0); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.db.QueryRowContext(ctx, `SELECT id FROM tickets ORDER BY id LIMIT 1 OFFSET 7342`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	addText(t, db, n, "Re: order", "The order stalls on the xylophonic payment step.", t0)
	hits := mustSearch(t, db, "xylophonic", core.SearchQuery{})
	if len(hits) != 1 || hits[0].Number != n {
		t.Fatalf("hits %+v, want ticket %d", hits, n)
	}
	if want := "the " + core.SnippetOpen + "xylophonic" + core.SnippetClose + " payment"; !strings.Contains(hits[0].Snippet, want) {
		t.Fatalf("snippet %q lacks %q", hits[0].Snippet, want)
	}
	var msgs int
	if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&msgs); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	if msgs < 10_000 {
		t.Fatalf("%d messages generated, want at least 10,000", msgs)
	}
}

func TestBM25_MalformedIsZero(t *testing.T) {
	for _, b := range [][]byte{nil, {1, 0, 0}, make([]byte, 12), {9, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0}} {
		if s := bm25(b); s != 0 {
			t.Errorf("bm25(%v) = %v, want 0", b, s)
		}
		if s := termFrequency(b); s != 0 {
			t.Errorf("termFrequency(%v) = %v, want 0", b, s)
		}
	}
}

// TestCounts_OpenByTag: the most used tags of active tickets are counted
// one by one, the rest together; closed tickets count for none.
func TestCounts_OpenByTag(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	a, b := mustTicket(t, db, "ann@shop.example"), mustTicket(t, db, "bob@shop.example")
	closed := mustTicket(t, db, "cyd@shop.example")
	err := db.Tx(ctx, func(tx core.Tx) error {
		for i := range core.MetricTags + 2 {
			if _, err := tx.AddTag(ctx, a.Number, fmt.Sprintf("t%02d", i)); err != nil {
				return err
			}
		}
		for _, n := range []int64{b.Number, closed.Number} {
			if _, err := tx.AddTag(ctx, n, "t00"); err != nil {
				return err
			}
		}
		tk, err := tx.Ticket(ctx, closed.Number)
		if err != nil {
			return err
		}
		tk.Status = core.StatusClosed
		return tx.UpdateTicket(ctx, tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OpenByTag) != core.MetricTags+1 || c.OpenByTag["t00"] != 2 || c.OpenByTag["t01"] != 1 ||
		c.OpenByTag[core.TagOther] != 2 {
		t.Fatalf("open by tag %v", c.OpenByTag)
	}
}

func TestSnippet(t *testing.T) {
	fold := newFolder()
	want := map[string]bool{"paypal": true, "cafe": true}
	long := strings.Repeat("word ", 100_000)
	cases := []struct {
		text, snip string
		hit        bool
	}{
		{"PayPal failed.", "\x02PayPal\x03 failed.", true},
		{"one two three four five six PayPal seven", "…three four five six \x02PayPal\x03 seven", true},
		{"Le Café est fermé", "Le \x02Café\x03 est fermé", true},
		{"a b c d e f g h i j k l m n o p q r s", "a b c d e f g h i j k l m n o p…", false},
		{long + "paypal " + long, "…word word word word \x02paypal\x03 word word word word word word word word word word word…", true},
		{"", "", false},
		{"!!!", "", false},
	}
	for _, tc := range cases {
		got, hit := snippet(tc.text, want, fold)
		if got != tc.snip || hit != tc.hit {
			t.Errorf("snippet(%.30q) = %q, %v; want %q, %v", tc.text, got, hit, tc.snip, tc.hit)
		}
	}
}

// TestSearch_NewestCandidatesAfterFilters: only the newest
// core.SearchCandidates matches are ranked, but the filters choose them,
// so a filtered search still finds an older message.
func TestSearch_NewestCandidatesAfterFilters(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	a, b := mustTicket(t, db, "ann@shop.example"), mustTicket(t, db, "bob@shop.example")
	addText(t, db, b.Number, "", "an old common complaint", t0)
	if _, err := db.db.ExecContext(ctx, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
		INSERT INTO messages (ticket_id, direction, from_addr, message_id, body_hash, text, created_at)
		SELECT ?, 'inbound', 'ann@shop.example', 'c' || i || '@x', 'c' || i, 'a common word', ? FROM k`,
		core.SearchCandidates, a.Number, fmtTime(t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(ctx, func(tx core.Tx) error { _, err := tx.AddTag(ctx, b.Number, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	if got := hitNumbers(mustSearch(t, db, "common", core.SearchQuery{})); fmt.Sprint(got) != fmt.Sprint([]int64{a.Number}) {
		t.Errorf("unfiltered: %v, want the newest matches' ticket alone", got)
	}
	for _, q := range []core.SearchQuery{{Tag: "old"}, {Account: b.AccountID}, {Until: t0.Add(time.Minute)}} {
		if got := hitNumbers(mustSearch(t, db, "common", q)); fmt.Sprint(got) != fmt.Sprint([]int64{b.Number}) {
			t.Errorf("filtered by %+v: %v, want #%d", q, got, b.Number)
		}
	}
}
