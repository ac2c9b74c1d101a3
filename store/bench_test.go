package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
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

// loadTickets writes n tickets of 1,000 accounts straight into the
// database, a fifth of them open, in large transactions. Of the open
// ones about 1% have a timer due at now: solved and idle, in pre-close
// for days, or past their SLA.
func loadTickets(b *testing.B, db *DB, n int, now time.Time) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for a := 1; a <= 1000; a++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, kind, created_at, priority_factor) VALUES (?, 'customer', ?, 1)`,
				a, fmtTime(now.Add(-1000*24*time.Hour))); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO profiles (id, account_id, email, role, created_at) VALUES (?, ?, ?, 'primary', ?)`,
				a, a, fmt.Sprintf("c%d@shop.example", a), fmtTime(now.Add(-1000*24*time.Hour))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	statuses := []string{"submitted", "assigned", "in_progress", "reopened"}
	types := []string{"support", "support", "support", "sales", "project", "generic"}
	const batch = 50_000
	for start := 0; start < n; start += batch {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO tickets (account_id, profile_id, department, type, status,
				priority, subject, created_at, updated_at, last_public_at, status_at, solved, awaiting_reply, rank,
				sla_state, sla_start, sla_risk_at, sla_due, closed_at)
				VALUES (?, ?, 'support', ?, ?, 'normal', 'subject', ?, ?, ?, ?, ?, ?, 2, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i := start; i < min(start+batch, n); i++ {
				acc := 1 + rng.IntN(1000)
				created := now.Add(-time.Duration(rng.IntN(700*24)) * time.Hour)
				typ := types[rng.IntN(len(types))]
				status, solved, awaiting := "closed", 0, 0
				last, statusAt, closedAt := created.Add(time.Hour), created.Add(2*time.Hour), fmtTime(created.Add(2*time.Hour))
				slaState, slaStart, risk, due := "met", "", "", ""
				if i%5 == 0 { // open
					closedAt = ""
					status = statuses[rng.IntN(len(statuses))]
					last = now.Add(-time.Duration(rng.IntN(4*24*60)) * time.Minute) // idle under 4 days
					awaiting = rng.IntN(2)
					slaState = "met"
					if awaiting == 1 {
						slaState = "ok"
						s := now.Add(-time.Duration(rng.IntN(8*60)) * time.Minute)
						slaStart, risk, due = fmtTime(s), fmtTime(s.Add(12*time.Hour)), fmtTime(s.Add(16*time.Hour))
					}
					switch r := rng.IntN(100); {
					case r == 0: // solved long ago: due for pre-close
						typ, solved, last = "support", 1, now.Add(-6*24*time.Hour)
					case r == 1: // in pre-close for 4 days: due for close
						status, statusAt, last = "pre_closed", now.Add(-4*24*time.Hour), now.Add(-5*24*time.Hour)
					case r == 2 && awaiting == 1: // past its SLA
						s := now.Add(-20 * time.Hour)
						slaStart, risk, due = fmtTime(s), fmtTime(s.Add(12*time.Hour)), fmtTime(s.Add(16*time.Hour))
					}
				}
				if _, err := st.ExecContext(ctx, acc, acc, typ, status, fmtTime(created), fmtTime(last), fmtTime(last),
					fmtTime(statusAt), solved, awaiting, slaState, slaStart, risk, due, closedAt); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.db.ExecContext(ctx, "ANALYZE"); err != nil {
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
