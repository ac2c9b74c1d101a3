package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"helpdesk/core"
)

// IMAPCursor returns the UIDVALIDITY and the highest committed UID of a
// mailbox; zeros when it was never polled.
func (s *DB) IMAPCursor(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT uid_validity, last_uid FROM imap_cursors WHERE mailbox = ?`, mailbox).
		Scan(&uidValidity, &lastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read imap cursor %s: %w", mailbox, err)
	}
	return uidValidity, lastUID, nil
}

// SetIMAPCursor records the mailbox's UIDVALIDITY and highest committed UID.
func (s *DB) SetIMAPCursor(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO imap_cursors (mailbox, uid_validity, last_uid, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity,
			last_uid = excluded.last_uid, updated_at = excluded.updated_at`,
			mailbox, uidValidity, lastUID, fmtTime(s.Now()))
		if err != nil {
			return fmt.Errorf("write imap cursor %s: %w", mailbox, err)
		}
		return nil
	})
}

// Quarantine keeps a mail that can never be processed.
func (s *DB) Quarantine(ctx context.Context, q *core.Quarantined) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if q.CreatedAt.IsZero() {
			q.CreatedAt = s.Now()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO quarantine (channel, ref, message_id, reason, size, raw, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, q.Channel, q.Ref, q.MessageID, q.Reason, q.Size, q.Raw, fmtTime(q.CreatedAt))
		if err != nil {
			return fmt.Errorf("quarantine: %w", err)
		}
		q.ID, err = res.LastInsertId()
		return err
	})
}

// QuarantineList returns the quarantined mails, newest first, without raw bytes.
func (s *DB) QuarantineList(ctx context.Context) ([]core.Quarantined, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, channel, ref, message_id, reason, size, created_at
		FROM quarantine ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	defer rows.Close()
	var out []core.Quarantined
	for rows.Next() {
		var q core.Quarantined
		var created string
		if err := rows.Scan(&q.ID, &q.Channel, &q.Ref, &q.MessageID, &q.Reason, &q.Size, &created); err != nil {
			return nil, err
		}
		q.CreatedAt = parseTime(created)
		out = append(out, q)
	}
	return out, rows.Err()
}
