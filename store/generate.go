package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// Generate writes n synthetic tickets of 1,000 accounts straight into an
// empty database, for benchmarks and `helpdesk bench`: a fifth of them
// open, in large transactions. Of the open ones about 1% have a timer due
// at now: solved and idle, in pre-close for days, or past their SLA.
func (db *DB) Generate(ctx context.Context, n int, now time.Time) error {
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
	if err == nil {
		err = db.syncIdentities(ctx, "accounts", "profiles")
	}
	if err != nil {
		return fmt.Errorf("generate accounts: %w", err)
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
			return fmt.Errorf("generate tickets: %w", err)
		}
	}
	_, err = db.db.ExecContext(ctx, "ANALYZE")
	return err
}

// GenerateMessages writes perTicket synthetic inbound messages for every
// ticket, in one statement per batch, for the search benchmark and tests.
// Each text draws words from a vocabulary of 50,000 (w0 … w49999) plus a
// few common ones, so a rare word matches a few dozen of a million
// messages and a common one a large share.
func (db *DB) GenerateMessages(ctx context.Context, perTicket int, now time.Time) error {
	var tickets int64
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM tickets`).Scan(&tickets); err != nil {
		return fmt.Errorf("generate messages: %w", err)
	}
	const batch = 100_000
	total := tickets * int64(perTicket)
	for start := int64(0); start < total; start += batch {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `WITH RECURSIVE k(i) AS (SELECT CAST(? AS BIGINT) UNION ALL SELECT i + 1 FROM k WHERE i + 1 < ?)
				INSERT INTO messages (ticket_id, direction, from_addr, message_id, body_hash, subject, text, created_at)
				SELECT 1 + i % ?, 'inbound', 'c@shop.example', 'g' || i || '@generated', 'g' || i, 'order question ' || (i % 97),
					'hello the order ' || `+db.random(1000)+` || ' shows w' || `+db.random(50000)+` ||
					' and w' || `+db.random(50000)+` || ' on the checkout page with w' || `+db.random(50000)+` ||
					' please help us thanks',
					?
				FROM k`, start, min(start+batch, total), tickets, fmtTime(now))
			return err
		})
		if err != nil {
			return fmt.Errorf("generate messages: %w", err)
		}
	}
	_, err := db.IndexSearch(ctx)
	return err
}

// random is an SQL expression for a random integer in [0, n).
func (db *DB) random(n int) string {
	if db.pg {
		return fmt.Sprintf("CAST(floor(random() * %d) AS BIGINT)", n)
	}
	return fmt.Sprintf("(abs(random()) %% %d)", n)
}
