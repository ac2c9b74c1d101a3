package store

import (
	"context"
	"fmt"
	"time"

	"helpdesk/core"
)

var _ core.MailGuardTx = (*Tx)(nil)

// Automatic mail goes to profiles only, and a profile's address neither
// changes nor is deleted: for a profile this transaction created (the
// common case, a new customer's first mail) there is nothing to count
// and nothing to prune, which saves two of a new ticket's statements.

// AutoMails implements core.MailGuardTx.
func (t *Tx) AutoMails(ctx context.Context, addr string, since time.Time) (sent, refused int, err error) {
	if t.created[addr] {
		return 0, 0, nil
	}
	err = t.queryRow(ctx, `SELECT COUNT(*) FILTER (WHERE refused = 0), COUNT(*) FILTER (WHERE refused = 1)
		FROM auto_mails WHERE address = ? AND at > ?`, addr, fmtTime(since)).Scan(&sent, &refused)
	if err != nil {
		return 0, 0, fmt.Errorf("count automatic mails: %w", err)
	}
	return sent, refused, nil
}

// RecordAutoMail implements core.MailGuardTx. It also forgets the
// address's records older than a day, which no window reaches.
func (t *Tx) RecordAutoMail(ctx context.Context, addr string, ticket int64, template string, at time.Time, refused bool) error {
	if !t.created[addr] {
		if _, err := t.exec(ctx, `DELETE FROM auto_mails WHERE address = ? AND at < ?`,
			addr, fmtTime(at.Add(-24*time.Hour))); err != nil {
			return fmt.Errorf("prune automatic mails: %w", err)
		}
	}
	var tk any
	if ticket != 0 {
		tk = ticket
	}
	if _, err := t.exec(ctx, `INSERT INTO auto_mails (address, at, ticket_id, template, refused) VALUES (?, ?, ?, ?, ?)`,
		addr, fmtTime(at), tk, template, refused); err != nil {
		return fmt.Errorf("record automatic mail: %w", err)
	}
	return nil
}
