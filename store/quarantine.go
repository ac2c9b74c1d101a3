package store

import (
	"context"
	"database/sql"
	"fmt"

	"helpdesk/core"
)

// QuarantineGet returns one quarantined mail with its raw bytes (nil when
// it was too large to keep); ENOTFOUND when there is none.
func (s *DB) QuarantineGet(ctx context.Context, id int64) (*core.Quarantined, error) {
	var q core.Quarantined
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT id, channel, ref, message_id, reason, size, raw, created_at
		FROM quarantine WHERE id = ?`, id).
		Scan(&q.ID, &q.Channel, &q.Ref, &q.MessageID, &q.Reason, &q.Size, &q.Raw, &created)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("quarantined mail %d", id))
	}
	q.CreatedAt = parseTime(created)
	return &q, nil
}

// QuarantineDrop deletes a quarantined mail; ENOTFOUND when there is none.
func (s *DB) QuarantineDrop(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM quarantine WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("drop quarantined mail %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.Errorf(core.ENOTFOUND, "quarantined mail %d not found", id)
		}
		return nil
	})
}
