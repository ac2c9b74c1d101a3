package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"helpdesk/core"
)

// The methods in this file are the queue that package outbound drains.

// Due returns up to limit pending outbox rows whose next attempt is due at
// now, oldest first. A row waits while an earlier row of the same ticket
// in the same lane is still backing off, so a ticket's notifications
// arrive in order even across restarts; the lanes do not hold each other
// up.
func (s *DB) Due(ctx context.Context, now time.Time, limit int) ([]core.OutboxItem, error) {
	if s.pg {
		return s.duePostgres(ctx, now, limit)
	}
	rows, err := s.db.QueryContext(uninterrupted(ctx), `SELECT id, kind, lane, COALESCE(ticket_id, 0), payload, attempts,
		next_attempt, created_at, last_error FROM outbox AS o INDEXED BY outbox_pending
		WHERE state = 'pending' AND next_attempt <= ?1
		AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.state = 'pending' AND e.ticket_id = o.ticket_id
			AND e.id < o.id AND e.next_attempt > ?1 AND e.lane = o.lane)
		ORDER BY id LIMIT ?2`, fmtTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("query due outbox: %w", err)
	}
	return scanOutboxItems(rows)
}

// scanOutboxItems reads the rows of Due's queries and closes them.
func scanOutboxItems(rows *sql.Rows) ([]core.OutboxItem, error) {
	defer rows.Close()
	var items []core.OutboxItem
	for rows.Next() {
		var it core.OutboxItem
		var next, created string
		if err := rows.Scan(&it.ID, &it.Kind, &it.Lane, &it.Ticket, &it.Payload, &it.Attempts, &next, &created, &it.LastError); err != nil {
			return nil, err
		}
		it.NextAttempt, it.CreatedAt = parseTime(next), parseTime(created)
		items = append(items, it)
	}
	return items, rows.Err()
}

// Done marks a row sent and records the attempt, which ended at at and
// took dur.
func (s *DB) Done(ctx context.Context, id int64, at time.Time, dur time.Duration) error {
	return s.attempt(ctx, id, at, dur, "sent", "", `UPDATE outbox SET state = 'sent', attempts = attempts + 1,
		done_at = ?, last_error = '' WHERE id = ?`, fmtTime(at), id)
}

// DoneAll marks rows sent and records their attempts, all in one
// transaction: the worker marks a batch of rows at once, so that a row
// sent costs no commit (and no fsync) of its own. A row that is not
// pending any more is left as it is. A row with a SlackTS records its
// ticket's thread.
func (s *DB) DoneAll(ctx context.Context, rows []core.OutboxSent) error {
	if len(rows) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		ctx := uninterrupted(ctx)
		for _, r := range rows {
			if err := setThread(ctx, tx, r); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', attempts = attempts + 1,
				done_at = ?, last_error = '' WHERE id = ? AND state = 'pending'`, fmtTime(r.At), r.ID)
			if err != nil {
				return fmt.Errorf("update outbox %d: %w", r.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attempts (outbox_id, at, duration_ms, result, error)
				VALUES (?, ?, ?, 'sent', '')`, r.ID, fmtTime(r.At.Add(-r.Duration)), r.Duration.Milliseconds()); err != nil {
				return fmt.Errorf("record attempt of outbox %d: %w", r.ID, err)
			}
		}
		return nil
	})
}

// setThread records the ticket's Slack thread from the card row r,
// when r is one.
func setThread(ctx context.Context, tx *sql.Tx, r core.OutboxSent) error {
	if r.SlackTS == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET slack_channel = ?, slack_ts = ? WHERE id = ?`,
		r.SlackChannel, r.SlackTS, r.Ticket); err != nil {
		return fmt.Errorf("record the slack thread of ticket %d: %w", r.Ticket, err)
	}
	return nil
}

// Retry records a failed attempt and when to try again.
func (s *DB) Retry(ctx context.Context, id int64, at, next time.Time, dur time.Duration, errText string) error {
	return s.attempt(ctx, id, at, dur, "retry", errText, `UPDATE outbox SET attempts = attempts + 1,
		next_attempt = ?, last_error = ? WHERE id = ?`, fmtTime(next), errText, id)
}

// Dead marks a row as failed for good; only an admin retries it.
func (s *DB) Dead(ctx context.Context, id int64, at time.Time, dur time.Duration, errText string) error {
	return s.attempt(ctx, id, at, dur, "dead", errText, `UPDATE outbox SET state = 'dead', attempts = attempts + 1,
		done_at = ?, last_error = ? WHERE id = ?`, fmtTime(at), errText, id)
}

func (s *DB) update(ctx context.Context, query string, args ...any) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "row not found")
		}
		return nil
	})
}

// SlackThread returns the channel and ts of the ticket's parent message,
// or empty strings when it is not posted yet.
func (s *DB) SlackThread(ctx context.Context, ticket int64) (channel, ts string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT slack_channel, slack_ts FROM tickets WHERE id = ?`, ticket).
		Scan(&channel, &ts)
	return channel, ts, notFound(err, "ticket")
}

// CardPending reports whether the ticket's card (a slack_ticket row) is
// still to be posted: a thread row waits for it then, and otherwise
// posts a new parent rather than wait for a card that is dead.
func (s *DB) CardPending(ctx context.Context, ticket int64) (bool, error) {
	var pending bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE ticket_id = ? AND state = 'pending'
		AND kind = ?)`, ticket, core.OutboxSlackTicket).Scan(&pending)
	if err != nil {
		return false, fmt.Errorf("look up the card of ticket %d: %w", ticket, err)
	}
	return pending, nil
}

// SetSlackThread records the ticket's parent message.
func (s *DB) SetSlackThread(ctx context.Context, ticket int64, channel, ts string) error {
	return s.update(ctx, `UPDATE tickets SET slack_channel = ?, slack_ts = ? WHERE id = ?`, channel, ts, ticket)
}

// Wake makes the pending rows of one lane that failed before due at
// once: their channel is back.
func (s *DB) Wake(ctx context.Context, lane core.Lane) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt = '' WHERE state = 'pending'
			AND attempts > 0 AND next_attempt != '' AND lane = ?`, lane)
		if err != nil {
			return fmt.Errorf("wake outbox: %w", err)
		}
		return nil
	})
}
