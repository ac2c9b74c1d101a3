package store

import (
	"context"
	"fmt"
	"time"

	"helpdesk/core"
)

var _ core.PolicyTx = (*Tx)(nil)

// HoldMail implements core.PolicyTx: the mail goes into the quarantine
// table inside the receiving transaction.
func (t *Tx) HoldMail(ctx context.Context, q *core.Quarantined) error {
	res, err := t.exec(ctx, `INSERT INTO quarantine (channel, ref, message_id, reason, size, raw, created_at,
		department, sender, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.Channel, q.Ref, q.MessageID, q.Reason, q.Size, q.Raw, fmtTime(q.CreatedAt), q.Department, q.Sender, q.State)
	if err != nil {
		return fmt.Errorf("hold mail: %w", err)
	}
	q.ID, err = res.LastInsertId()
	return err
}

// HeldMail implements core.PolicyTx.
func (t *Tx) HeldMail(ctx context.Context, id int64) (*core.Quarantined, error) {
	var q core.Quarantined
	var created string
	err := t.queryRow(ctx, `SELECT id, channel, ref, message_id, reason, size, raw, created_at, department, sender, state
		FROM quarantine WHERE id = ?`, id).
		Scan(&q.ID, &q.Channel, &q.Ref, &q.MessageID, &q.Reason, &q.Size, &q.Raw, &created, &q.Department, &q.Sender, &q.State)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("quarantined mail %d", id))
	}
	q.CreatedAt = parseTime(created)
	return &q, nil
}

// SetHeldState implements core.PolicyTx.
func (t *Tx) SetHeldState(ctx context.Context, id int64, state string, at time.Time) error {
	if _, err := t.exec(ctx, `UPDATE quarantine SET state = ?, decided_at = ? WHERE id = ?`, state, fmtTime(at), id); err != nil {
		return fmt.Errorf("set state of quarantined mail %d: %w", id, err)
	}
	return nil
}

// HeldState returns the state of a quarantined mail: "" for mail that
// could never be processed, else core.HeldWaiting, HeldAccepted or
// HeldRejected; ENOTFOUND when there is none.
func (s *DB) HeldState(ctx context.Context, id int64) (string, error) {
	var state string
	if err := s.db.QueryRowContext(ctx, `SELECT state FROM quarantine WHERE id = ?`, id).Scan(&state); err != nil {
		return "", notFound(err, fmt.Sprintf("quarantined mail %d", id))
	}
	return state, nil
}
