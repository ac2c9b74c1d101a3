package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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
//
// The rows are marked doneRows to a statement: the transaction holds
// the one writer that intake's group commits wait for, and statements
// a row held it a third longer (BenchmarkOutbox_DoneAll, 32 rows: 24.8
// µs a row against 18.6, BEGIN and COMMIT included).
func (s *DB) DoneAll(ctx context.Context, rows []core.OutboxSent) error {
	if len(rows) == 0 {
		return nil
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		ctx := uninterrupted(ctx)
		for start := 0; start < len(rows); start += doneRows {
			if err := doneSome(ctx, tx, rows[start:min(start+doneRows, len(rows))]); err != nil {
				return err
			}
		}
		return nil
	})
}

// doneRows is how many rows one of DoneAll's statements marks.
const doneRows = 100

// doneSome marks rows sent in three statements: the threads of the
// tickets whose card was posted, the rows still pending, and an attempt
// for each of those.
func doneSome(ctx context.Context, tx *sql.Tx, rows []core.OutboxSent) error {
	var threads []any
	last := map[int64]int{} // a ticket's last card in rows: the thread it has after them
	for i, r := range rows {
		if r.SlackTS != "" {
			last[r.Ticket] = i
		}
	}
	for i, r := range rows {
		if r.SlackTS != "" && last[r.Ticket] == i {
			threads = append(threads, r.Ticket, r.SlackChannel, r.SlackTS)
		}
	}
	if len(threads) > 0 {
		if _, err := tx.ExecContext(ctx, `WITH v(ticket, channel, ts) AS (VALUES `+valueRows(len(threads)/3, `(CAST(? AS BIGINT), ?, ?)`)+`)
			UPDATE tickets SET slack_channel = v.channel, slack_ts = v.ts FROM v WHERE tickets.id = v.ticket`, threads...); err != nil {
			return fmt.Errorf("record the slack threads of %d tickets: %w", len(threads)/3, err)
		}
	}
	args := make([]any, 0, 2*len(rows))
	byID := make(map[int64]core.OutboxSent, len(rows))
	for _, r := range rows {
		args = append(args, r.ID, fmtTime(r.At))
		byID[r.ID] = r
	}
	res, err := tx.QueryContext(ctx, `WITH v(id, at) AS (VALUES `+valueRows(len(rows), `(CAST(? AS BIGINT), ?)`)+`)
		UPDATE outbox SET state = 'sent', attempts = attempts + 1, done_at = v.at, last_error = ''
		FROM v WHERE outbox.id = v.id AND outbox.state = 'pending' RETURNING outbox.id`, args...)
	if err != nil {
		return fmt.Errorf("mark outbox %d and %d other rows sent: %w", rows[0].ID, len(rows)-1, err)
	}
	var attempts []any
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			res.Close()
			return fmt.Errorf("mark outbox rows sent: %w", err)
		}
		r := byID[id]
		attempts = append(attempts, id, fmtTime(r.At.Add(-r.Duration)), r.Duration.Milliseconds())
	}
	if err := errors.Join(res.Err(), res.Close()); err != nil {
		return fmt.Errorf("mark outbox rows sent: %w", err)
	}
	if len(attempts) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attempts (outbox_id, at, duration_ms, result, error)
		VALUES `+valueRows(len(attempts)/3, `(?, ?, ?, 'sent', '')`), attempts...); err != nil {
		return fmt.Errorf("record the attempts of %d outbox rows: %w", len(attempts)/3, err)
	}
	return nil
}

// valueRows repeats one row of a VALUES list n times. PostgreSQL takes
// a placeholder in VALUES for text, so the integer ones are cast.
func valueRows(n int, row string) string {
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
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
