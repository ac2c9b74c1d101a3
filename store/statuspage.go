package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"helpdesk/core"
)

// SLATickets returns up to limit active tickets awaiting a staff reply
// whose first response is at risk or past due (docs/rules.md §4), the
// breached first, then by due time: for the status page.
func (s *DB) SLATickets(ctx context.Context, limit int) ([]core.TicketSummary, error) {
	return s.ticketRows(ctx, `SELECT `+ticketRowColumns+` FROM tickets
		WHERE awaiting_reply = 1 AND sla_state IN ('at_risk', 'breached') AND `+activeStatus+`
		ORDER BY sla_state = 'breached' DESC, sla_due, id LIMIT ?`, limit)
}

// DeadOutbox returns up to limit dead outbox rows, newest first, without
// their payload: for the status page.
func (s *DB) DeadOutbox(ctx context.Context, limit int) ([]core.OutboxItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, lane, COALESCE(ticket_id, 0), attempts, created_at, last_error
		FROM outbox INDEXED BY outbox_pending WHERE state = 'dead' ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("query dead outbox: %w", err)
	}
	defer rows.Close()
	var out []core.OutboxItem
	for rows.Next() {
		var it core.OutboxItem
		var created string
		if err := rows.Scan(&it.ID, &it.Kind, &it.Lane, &it.Ticket, &it.Attempts, &created, &it.LastError); err != nil {
			return nil, err
		}
		it.CreatedAt = parseTime(created)
		out = append(out, it)
	}
	return out, rows.Err()
}

// QuarantineNewest returns the newest quarantined mail without its raw
// bytes, or nil when the quarantine is empty.
func (s *DB) QuarantineNewest(ctx context.Context) (*core.Quarantined, error) {
	var q core.Quarantined
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT id, channel, ref, message_id, reason, size, created_at
		FROM quarantine ORDER BY id DESC LIMIT 1`).
		Scan(&q.ID, &q.Channel, &q.Ref, &q.MessageID, &q.Reason, &q.Size, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("newest quarantined: %w", err)
	}
	q.CreatedAt = parseTime(created)
	return &q, nil
}
