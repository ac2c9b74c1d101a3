package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"helpdesk/core"
)

// SlackUploaded returns the Slack file that an outbox row uploaded, ""
// when it uploaded none yet.
func (s *DB) SlackUploaded(ctx context.Context, outboxID int64) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT file_id FROM slack_uploads WHERE outbox_id = ?`, outboxID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up the upload of outbox row %d: %w", outboxID, err)
	}
	return id, nil
}

// RecordSlackUpload records the Slack file an outbox row uploaded.
func (s *DB) RecordSlackUpload(ctx context.Context, outboxID int64, fileID string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO slack_uploads (outbox_id, file_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (outbox_id) DO NOTHING`, outboxID, fileID, fmtTime(at))
		if err != nil {
			return fmt.Errorf("record the upload of outbox row %d: %w", outboxID, err)
		}
		return nil
	})
}

// AddFile keeps a file an agent shared, for the customer's mail.
func (t *Tx) AddFile(ctx context.Context, f *core.StoredFile) error {
	res, err := t.exec(ctx, `INSERT INTO files (ticket_id, name, content_type, size, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, f.Ticket, f.Name, f.ContentType, len(f.Data), f.Data, fmtTime(f.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert file: %w", err)
	}
	f.ID, err = res.LastInsertId()
	return err
}

// File returns a kept file with its bytes.
func (s *DB) File(ctx context.Context, id int64) (*core.StoredFile, error) {
	f := &core.StoredFile{ID: id}
	var at string
	err := s.db.QueryRowContext(ctx, `SELECT ticket_id, name, content_type, data, created_at FROM files WHERE id = ?`, id).
		Scan(&f.Ticket, &f.Name, &f.ContentType, &f.Data, &at)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("file %d", id))
	}
	f.CreatedAt = parseTime(at)
	return f, nil
}

// HoldFiles records that files wait with a held answer.
func (t *Tx) HoldFiles(ctx context.Context, held int64, files []core.MailFile) error {
	for _, f := range files {
		if _, err := t.exec(ctx, `UPDATE files SET held_answer = ? WHERE id = ?`, held, f.ID); err != nil {
			return fmt.Errorf("hold file %d: %w", f.ID, err)
		}
	}
	return nil
}

// HeldFiles returns the files that wait with a held answer.
func (t *Tx) HeldFiles(ctx context.Context, held int64) ([]core.MailFile, error) {
	rows, err := t.query(ctx, `SELECT id, name, content_type, size FROM files WHERE held_answer = ? ORDER BY id`, held)
	if err != nil {
		return nil, fmt.Errorf("files of held answer %d: %w", held, err)
	}
	defer rows.Close()
	var out []core.MailFile
	for rows.Next() {
		var f core.MailFile
		if err := rows.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
