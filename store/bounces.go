package store

import (
	"context"
	"fmt"
	"time"

	"helpdesk/core"
)

var _ core.BounceTx = (*Tx)(nil)

const sentMailColumns = `id, message_id, recipient, coalesce(ticket_id, 0), signed, at`

func scanSentMail(row scanner) (*core.SentMail, error) {
	var m core.SentMail
	var at string
	if err := row.Scan(&m.ID, &m.MessageID, &m.Recipient, &m.Ticket, &m.Signed, &at); err != nil {
		return nil, notFound(err, "sent mail")
	}
	m.At = parseTime(at)
	return &m, nil
}

// RecordSent implements core.BounceTx.
func (t *Tx) RecordSent(ctx context.Context, m *core.SentMail) error {
	res, err := t.exec(ctx, `INSERT INTO sent_mails (message_id, recipient, ticket_id, signed, at)
		VALUES (?, ?, ?, ?, ?)`, m.MessageID, m.Recipient, nullID(m.Ticket), m.Signed, fmtTime(m.At))
	if err != nil {
		return fmt.Errorf("record sent mail: %w", err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// SentMail implements core.BounceTx.
func (t *Tx) SentMail(ctx context.Context, id int64) (*core.SentMail, error) {
	return scanSentMail(t.queryRow(ctx, `SELECT `+sentMailColumns+` FROM sent_mails WHERE id = ?`, id))
}

// SentMailByMessageID implements core.BounceTx.
func (t *Tx) SentMailByMessageID(ctx context.Context, messageID string) (*core.SentMail, error) {
	return scanSentMail(t.queryRow(ctx, `SELECT `+sentMailColumns+` FROM sent_mails
		WHERE message_id = ? ORDER BY id DESC LIMIT 1`, messageID))
}

// ForgetSent implements core.BounceTx.
func (t *Tx) ForgetSent(ctx context.Context, before time.Time) (int, error) {
	res, err := t.exec(ctx, `DELETE FROM sent_mails WHERE at < ?`, fmtTime(before))
	if err != nil {
		return 0, fmt.Errorf("forget sent mail: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
