package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"helpdesk/core"
)

// attempt runs query (an update of one outbox row) and records the
// attempt in the row's history, in one transaction. The attempt ended at
// at and took dur; the history keeps its start.
func (s *DB) attempt(ctx context.Context, id int64, at time.Time, dur time.Duration, result, errText, query string, args ...any) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		ctx := uninterrupted(ctx)
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("update outbox %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "outbox row %d not found", id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attempts (outbox_id, at, duration_ms, result, error)
			VALUES (?, ?, ?, ?, ?)`, id, fmtTime(at.Add(-dur)), dur.Milliseconds(), result, errText); err != nil {
			return fmt.Errorf("record attempt of outbox %d: %w", id, err)
		}
		return nil
	})
}

// MarkSent marks row r.ID sent at r.At if it is still pending and of
// that ticket and kind, recording the attempt, and then the ticket's
// Slack thread when r has one: the worker sent it just before a crash
// and found it in its journal at the restart. It reports whether the
// row was marked.
func (s *DB) MarkSent(ctx context.Context, r core.OutboxSent, kind string) (bool, error) {
	marked := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ctx := uninterrupted(ctx)
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', attempts = attempts + 1, done_at = ?,
			last_error = '' WHERE id = ? AND state = 'pending' AND COALESCE(ticket_id, 0) = ? AND kind = ?`,
			fmtTime(r.At), r.ID, r.Ticket, kind)
		if err != nil {
			return fmt.Errorf("update outbox %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attempts (outbox_id, at, duration_ms, result, error)
			VALUES (?, ?, 0, 'sent', 'sent before a restart, marked from the outbox journal')`, r.ID, fmtTime(r.At)); err != nil {
			return fmt.Errorf("record attempt of outbox %d: %w", r.ID, err)
		}
		marked = true
		return setThread(ctx, tx, r)
	})
	return marked && err == nil, err
}

// OutboxAttempt is one try at an outbox row.
type OutboxAttempt struct {
	At       time.Time     `json:"at"` // when it started
	Duration time.Duration `json:"duration_ns"`
	Result   string        `json:"result"` // sent, retry, dead, held
	Error    string        `json:"error,omitempty"`
}

// OutboxRow is an outbox row with its state and history, for the admin.
type OutboxRow struct {
	core.OutboxItem
	State   string          // pending, sent, dead
	DoneAt  time.Time       // zero while pending
	History []OutboxAttempt // oldest first
}

// OutboxRows returns the pending and dead rows (only the dead ones when
// deadOnly), oldest first, with their attempts; at most limit rows when
// limit > 0.
func (s *DB) OutboxRows(ctx context.Context, deadOnly bool, limit int) ([]OutboxRow, error) {
	if limit <= 0 {
		limit = math.MaxInt64 // no limit, on either database
	}
	states := []any{"pending", "dead"}
	if deadOnly {
		states = []any{"dead", "dead"}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, lane, COALESCE(ticket_id, 0), payload, attempts, next_attempt,
		created_at, last_error, state, COALESCE(done_at, '') FROM outbox INDEXED BY outbox_pending
		WHERE state IN (?, ?) ORDER BY id LIMIT ?`, append(states, limit)...)
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		var next, created, done string
		if err := rows.Scan(&r.ID, &r.Kind, &r.Lane, &r.Ticket, &r.Payload, &r.Attempts, &next, &created, &r.LastError,
			&r.State, &done); err != nil {
			rows.Close()
			return nil, err
		}
		r.NextAttempt, r.CreatedAt = parseTime(next), parseTime(created)
		if done != "" {
			r.DoneAt = parseTime(done)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].History, err = s.OutboxHistory(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OutboxHistory returns the attempts at one outbox row, oldest first.
func (s *DB) OutboxHistory(ctx context.Context, id int64) ([]OutboxAttempt, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, duration_ms, result, error FROM outbox_attempts
		WHERE outbox_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("query outbox attempts: %w", err)
	}
	defer rows.Close()
	var h []OutboxAttempt
	for rows.Next() {
		var a OutboxAttempt
		var at string
		var ms int64
		if err := rows.Scan(&at, &ms, &a.Result, &a.Error); err != nil {
			return nil, err
		}
		a.At, a.Duration = parseTime(at), time.Duration(ms)*time.Millisecond
		h = append(h, a)
	}
	return h, rows.Err()
}

// RetryDead puts a dead row back to pending, due at now, with its attempt
// count reset so that it gets the whole back-off again; its history
// stays. An *core.Error with code ENOTFOUND when no dead row has this id.
func (s *DB) RetryDead(ctx context.Context, id int64, now time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ?,
			done_at = NULL WHERE id = ? AND state = 'dead'`, fmtTime(now), id)
		if err != nil {
			return fmt.Errorf("retry outbox %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "no dead outbox row %d", id)
		}
		return nil
	})
}

// RetryAllDead puts every dead row back to pending, as RetryDead does,
// and returns how many.
func (s *DB) RetryAllDead(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = ?,
			done_at = NULL WHERE state = 'dead'`, fmtTime(now))
		if err != nil {
			return fmt.Errorf("retry dead outbox rows: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
