package store

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/core/calendar"
)

// benchTickets is the size of the benchmark database; HELPDESK_BENCH_TICKETS
// overrides it (the figure is 1,000,000 with 200,000 open).
func benchTickets(b *testing.B) int {
	if s := os.Getenv("HELPDESK_BENCH_TICKETS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 1_000_000
}

func loadTickets(b *testing.B, db *DB, n int, now time.Time) {
	if err := db.Generate(context.Background(), n, now); err != nil {
		b.Fatal(err)
	}
}

func benchService(b *testing.B, db *DB, now time.Time) *core.Service {
	svc, err := core.NewService(db, core.Options{
		Domain: "support.example.com", Secret: []byte("k"),
		Departments: []core.Department{{Name: "support", Addresses: []string{"support@support.example.com"}}},
		Calendar:    calendar.MustNew(calendar.Default()),
		Now:         func() time.Time { return now },
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkSweep runs the sweep over a database of benchTickets tickets,
// a fifth of them open. The first sweep does the work that is due (about
// 1% of the open tickets change); later ones find nothing new. Both are
// reported.
func BenchmarkSweep(b *testing.B) {
	n := benchTickets(b)
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	loadStart := time.Now()
	loadTickets(b, db, n, now)
	b.Logf("loaded %d tickets in %s", n, time.Since(loadStart).Round(time.Millisecond))
	svc := benchService(b, db, now)

	b.ResetTimer()
	start := time.Now()
	res, err := svc.Sweep(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	for i := 1; i < b.N; i++ {
		if _, err := svc.Sweep(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	steady := time.Now()
	if _, err := svc.Sweep(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(first.Seconds(), "first_sweep_s")
	b.ReportMetric(time.Since(steady).Seconds(), "idle_sweep_s")
	b.ReportMetric(float64(res.Checked), "tickets_checked")
	b.Logf("first sweep %s: %+v", first.Round(time.Millisecond), *res)
}

// BenchmarkQueue reads the head of the queue (50 tickets) over a
// database with benchTickets/10 active tickets awaiting a reply.
func BenchmarkQueue(b *testing.B) {
	n := benchTickets(b) / 2 // a fifth open, half of those awaiting: n/10 in the queue
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	loadTickets(b, db, n, now)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q, err := db.Queue(context.Background(), 50)
		if err != nil {
			b.Fatal(err)
		}
		if len(q) != 50 {
			b.Fatalf("queue has %d tickets", len(q))
		}
	}
}

// BenchmarkOutbox_DoneAll marks 32 rows sent in one transaction, as the
// outbox worker does while a batch goes out; every fourth row is a
// card that names its ticket's thread. It reports the time a row.
func BenchmarkOutbox_DoneAll(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "helpdesk.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var tickets []int64
	for i := range 8 {
		tickets = append(tickets, mustTicket(b, db, "c"+strconv.Itoa(i)+"@shop.example").Number)
	}
	const rows = 32
	var busy time.Duration
	for i := 0; b.Loop(); i++ {
		ids, err := enqueueIDs(db, tickets[i%len(tickets)], rows)
		if err != nil {
			b.Fatal(err)
		}
		sent := make([]core.OutboxSent, rows)
		for j, id := range ids {
			sent[j] = core.OutboxSent{ID: id, Ticket: tickets[i%len(tickets)], At: t0, Duration: time.Millisecond}
			if j%4 == 0 {
				sent[j].SlackChannel, sent[j].SlackTS = "C1", strconv.Itoa(i)+"."+strconv.Itoa(j)
			}
		}
		start := time.Now()
		if err := db.DoneAll(ctx, sent); err != nil {
			b.Fatal(err)
		}
		busy += time.Since(start)
	}
	b.ReportMetric(float64(busy.Microseconds())/float64(rows*b.N), "µs/row")
}
