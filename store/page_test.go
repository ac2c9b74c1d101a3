package store

import (
	"helpdesk/core"

	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func numbers(rows []core.TicketSummary) []int64 {
	var ns []int64
	for _, r := range rows {
		ns = append(ns, r.Number)
	}
	return ns
}

// pages reads every page of size limit and returns the numbers in order.
func pages(t *testing.T, limit int, read func(after int64) ([]core.TicketSummary, error)) []int64 {
	t.Helper()
	var all []int64
	after := int64(0)
	for i := 0; ; i++ {
		rows, err := read(after)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > limit {
			t.Fatalf("page of %d rows, limit %d", len(rows), limit)
		}
		all = append(all, numbers(rows)...)
		if len(rows) < limit {
			return all
		}
		after = rows[len(rows)-1].Number
		if i > 1000 {
			t.Fatal("no end")
		}
	}
}

func TestTicketPage(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if err := db.Generate(ctx, 600, now); err != nil {
		t.Fatal(err)
	}
	all, err := db.ListTicketPage(ctx, TicketPage{})
	if err != nil || len(all) != 600 {
		t.Fatalf("limit 0: %d rows, %v; want all 600", len(all), err)
	}
	if !slices.IsSorted(numbers(all)) {
		t.Fatal("not in order of number")
	}

	t.Run("Cursor", func(t *testing.T) {
		got := pages(t, 50, func(after int64) ([]core.TicketSummary, error) {
			return db.ListTicketPage(ctx, TicketPage{After: after, Limit: 50})
		})
		if !slices.Equal(got, numbers(all)) {
			t.Fatalf("pages of 50 give %d numbers, want the 600 in order", len(got))
		}
	})

	filter := func(name string, p TicketPage, keep func(r *core.TicketSummary) bool) {
		t.Run(name, func(t *testing.T) {
			var want []int64
			for i := range all {
				if keep(&all[i]) {
					want = append(want, all[i].Number)
				}
			}
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("a filter that keeps %d of %d tests nothing", len(want), len(all))
			}
			got := pages(t, 7, func(after int64) ([]core.TicketSummary, error) {
				q := p
				q.After, q.Limit = after, 7
				return db.ListTicketPage(ctx, q)
			})
			if !slices.Equal(got, want) {
				t.Fatalf("got %d tickets, want %d", len(got), len(want))
			}
		})
	}
	filter("Status", TicketPage{Statuses: []string{"assigned", "reopened"}}, func(r *core.TicketSummary) bool {
		return r.Status == "assigned" || r.Status == "reopened"
	})
	filter("Active", TicketPage{Active: true}, func(r *core.TicketSummary) bool {
		return slices.Contains([]string{"submitted", "assigned", "in_progress", "reopened"}, string(r.Status))
	})
	acc := all[0].Account.ID
	filter("Account", TicketPage{Account: acc}, func(r *core.TicketSummary) bool { return r.Account.ID == acc })
	filter("Email", TicketPage{Email: strings.ToUpper(all[0].Email)}, func(r *core.TicketSummary) bool { return r.Account.ID == acc })
	since := now.Add(-200 * 24 * time.Hour)
	filter("Since", TicketPage{Since: since}, func(r *core.TicketSummary) bool { return !r.CreatedAt.Before(since) })
	t.Run("Department", func(t *testing.T) {
		if rows, err := db.ListTicketPage(ctx, TicketPage{Department: "sales"}); err != nil || len(rows) != 0 {
			t.Fatalf("sales: %d, %v; the generator writes support only", len(rows), err)
		}
		if rows, _ := db.ListTicketPage(ctx, TicketPage{Department: "support", Limit: 3}); len(rows) != 3 {
			t.Fatalf("support, limit 3: %d rows", len(rows))
		}
	})

	t.Run("Queue", func(t *testing.T) {
		q, err := db.Queue(ctx, 10000)
		if err != nil || len(q) < 20 {
			t.Fatalf("queue: %d, %v", len(q), err)
		}
		got := pages(t, 9, func(after int64) ([]core.TicketSummary, error) {
			return db.QueuePage(ctx, TicketPage{After: after, Limit: 9})
		})
		if !slices.Equal(got, numbers(q)) {
			t.Fatalf("queue pages give %v\nwant %v", got, numbers(q))
		}
		all, _ := db.QueuePage(ctx, TicketPage{})
		if !slices.Equal(numbers(all), numbers(q)) {
			t.Fatal("queue with limit 0 is not the whole queue")
		}
		st, _ := db.QueuePage(ctx, TicketPage{Statuses: []string{"reopened"}})
		for _, r := range st {
			if r.Status != "reopened" {
				t.Fatalf("queue --status reopened has #%d %s", r.Number, r.Status)
			}
		}
	})
}

// TestTicketPage_Large times one page on a large database: set
// HELPDESK_BENCH_TICKETS (e.g. 1000000) to run it.
func TestTicketPage_Large(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("HELPDESK_BENCH_TICKETS"))
	if n == 0 {
		t.Skip("set HELPDESK_BENCH_TICKETS to run")
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "large.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Generate(ctx, n, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]TicketPage{
		"first":       {Limit: 50},
		"last":        {Limit: 50, After: int64(n - 60)},
		"middle":      {Limit: 50, After: int64(n / 2)},
		"status":      {Limit: 50, After: int64(n / 2), Statuses: []string{"reopened"}},
		"account":     {Limit: 50, Email: "c7@shop.example"},
		"queue":       {Limit: 50},
		"queue-after": {Limit: 50, After: 5},
	} {
		start := time.Now()
		var rows []core.TicketSummary
		if name == "queue" || name == "queue-after" {
			rows, err = db.QueuePage(ctx, p)
		} else {
			rows, err = db.ListTicketPage(ctx, p)
		}
		d := time.Since(start)
		if err != nil || len(rows) == 0 {
			t.Fatalf("%s: %d rows, %v", name, len(rows), err)
		}
		t.Logf("%s: %d rows in %s", name, len(rows), d)
		if d > 100*time.Millisecond {
			t.Errorf("%s: one page took %s, want under 100 ms", name, d)
		}
	}
}

// BenchmarkListTicketPage reads a page from the middle of benchTickets
// tickets.
func BenchmarkListTicketPage(b *testing.B) {
	n := benchTickets(b)
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	loadTickets(b, db, n, time.Now().UTC())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := db.ListTicketPage(context.Background(), TicketPage{After: int64(n / 2), Limit: 50})
		if err != nil || len(rows) != 50 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}
