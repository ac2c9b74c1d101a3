package store

import (
	"context"
	"fmt"
	"time"

	"helpdesk/core"
)

var _ core.AnswerGuardTx = (*Tx)(nil)

// AnswerMails implements core.AnswerGuardTx.
func (t *Tx) AnswerMails(ctx context.Context, addr string, since time.Time) (sent, refused int, err error) {
	err = t.queryRow(ctx, `SELECT COUNT(*) FILTER (WHERE refused = 0), COUNT(*) FILTER (WHERE refused = 1)
		FROM answer_mails WHERE address = ? AND at > ?`, addr, fmtTime(since)).Scan(&sent, &refused)
	if err != nil {
		return 0, 0, fmt.Errorf("count answer mails: %w", err)
	}
	return sent, refused, nil
}

// RecordAnswerMail implements core.AnswerGuardTx. It also forgets the
// address's records older than a day, which no window reaches.
func (t *Tx) RecordAnswerMail(ctx context.Context, addr string, ticket int64, template string, at time.Time, refused bool) error {
	if _, err := t.exec(ctx, `DELETE FROM answer_mails WHERE address = ? AND at < ?`,
		addr, fmtTime(at.Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("prune answer mails: %w", err)
	}
	if _, err := t.exec(ctx, `INSERT INTO answer_mails (address, at, ticket_id, template, refused) VALUES (?, ?, ?, ?, ?)`,
		addr, fmtTime(at), nullID(ticket), template, refused); err != nil {
		return fmt.Errorf("record answer mail: %w", err)
	}
	return nil
}

var _ core.AccountTicketsTx = (*Tx)(nil)

// OpenTickets implements core.AccountTicketsTx.
func (t *Tx) OpenTickets(ctx context.Context, account int64, limit int) ([]core.Ticket, error) {
	rows, err := t.query(ctx, `SELECT `+ticketColumns+` FROM tickets
		WHERE account_id = ? AND status != 'closed' ORDER BY updated_at DESC, id DESC LIMIT ?`, account, limit)
	if err != nil {
		return nil, fmt.Errorf("open tickets of account %d: %w", account, err)
	}
	defer rows.Close()
	var out []core.Ticket
	for rows.Next() {
		tk, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *tk)
	}
	return out, rows.Err()
}
