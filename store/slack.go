package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"helpdesk/core"
)

// The methods in this file implement core.SlackTx: the tickets' Slack
// threads, the Events API deliveries already handled, and the agents'
// messages taken from those threads.

var _ core.SlackTx = (*Tx)(nil)

// slackEventsKept is how long a handled event id is remembered. Slack
// retries a delivery for about an hour; a week is ample.
const slackEventsKept = 7 * 24 * time.Hour

// TicketBySlackThread returns the ticket whose card is the message ts of
// channel.
func (t *Tx) TicketBySlackThread(ctx context.Context, channel, ts string) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT id FROM tickets WHERE slack_ts = ? AND slack_channel = ?`, ts, channel).Scan(&n)
	return n, notFound(err, "ticket")
}

// MarkSlackEvent records the event id as handled, or returns an *Error
// with code ECONFLICT when it was already. Ids older than a week are
// forgotten on the way.
func (t *Tx) MarkSlackEvent(ctx context.Context, id string, at time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM slack_events WHERE received_at < ?`, fmtTime(at.Add(-slackEventsKept))); err != nil {
		return fmt.Errorf("prune slack events: %w", err)
	}
	_, added, err := t.insertOnce(ctx, `INSERT INTO slack_events (event_id, received_at) VALUES (?, ?)
		ON CONFLICT DO NOTHING`, id, fmtTime(at))
	if err != nil {
		return fmt.Errorf("insert slack event: %w", err)
	}
	if !added {
		return core.Errorf(core.ECONFLICT, "slack event %s was handled already", id)
	}
	return nil
}

// SlackMessage returns the agent's message ts of channel that the gateway
// took, or an *Error with code ENOTFOUND.
func (t *Tx) SlackMessage(ctx context.Context, channel, ts string) (*core.SlackRecord, error) {
	r := core.SlackRecord{Channel: channel, TS: ts}
	var created string
	err := t.queryRow(ctx, `SELECT ticket_id, direction, author, created_at FROM slack_messages
		WHERE channel = ? AND ts = ?`, channel, ts).Scan(&r.Ticket, &r.Direction, &r.Author, &created)
	if err != nil {
		return nil, notFound(err, "slack message")
	}
	r.CreatedAt = parseTime(created)
	return &r, nil
}

// AddSlackMessage records an agent's message the gateway took; the same
// message twice is an *Error with code ECONFLICT.
func (t *Tx) AddSlackMessage(ctx context.Context, r *core.SlackRecord) error {
	_, added, err := t.insertOnce(ctx, `INSERT INTO slack_messages (channel, ts, ticket_id, direction, author, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, r.Channel, r.TS, r.Ticket, r.Direction, r.Author, fmtTime(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert slack message: %w", err)
	}
	if !added {
		return core.Errorf(core.ECONFLICT, "slack message %s was taken already", r.TS)
	}
	return nil
}

// isDuplicateKey reports whether err violates a PRIMARY KEY or UNIQUE
// constraint; the Slack tables are keyed by their primary keys, which
// SQLite reports with a code of their own.
func isDuplicateKey(err error) bool {
	if isPgUnique(err) {
		return true
	}
	var se sqlite3.Error // go-sqlite3 returns the error by value
	return errors.As(err, &se) &&
		(se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || se.ExtendedCode == sqlite3.ErrConstraintUnique)
}
