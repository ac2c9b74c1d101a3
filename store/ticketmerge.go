package store

import (
	"context"
	"fmt"
	"time"

	"helpdesk/core"
)

var _ core.TicketMergeTx = (*Tx)(nil)

// MergedInto returns the ticket that ticket was merged into, 0 when none.
func (t *Tx) MergedInto(ctx context.Context, ticket int64) (int64, error) {
	var into int64
	err := t.queryRow(ctx, `SELECT into_id FROM ticket_merges WHERE ticket_id = ?`, ticket).Scan(&into)
	if core.ErrorCode(notFound(err, "merge")) == core.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("merge of ticket %d: %w", ticket, err)
	}
	return into, nil
}

// MergeTicket moves the messages (with their attachments), the index of
// their Message-IDs and of the notices sent, and the tasks of from into
// into, drops from's participants (core re-adds them to into first), and
// records the merge. The tasks are numbered on after into's own.
func (t *Tx) MergeTicket(ctx context.Context, from, into int64, by string, at time.Time) error {
	var last int
	if err := t.queryRow(ctx, `SELECT COALESCE(MAX(number), 0) FROM tasks WHERE ticket_id = ?`, into).Scan(&last); err != nil {
		return fmt.Errorf("merge ticket %d into %d: %w", from, into, err)
	}
	steps := []struct {
		q    string
		args []any
	}{
		{`UPDATE messages SET ticket_id = ?1 WHERE ticket_id = ?2`, []any{into, from}},
		{`UPDATE message_ids SET ticket_id = ?1 WHERE ticket_id = ?2`, []any{into, from}},
		{`UPDATE tasks SET ticket_id = ?1, number = number + ?3 WHERE ticket_id = ?2`, []any{into, from, last}},
		{`UPDATE files SET ticket_id = ?1 WHERE ticket_id = ?2`, []any{into, from}},
		{`DELETE FROM participants WHERE ticket_id = ?`, []any{from}},
		{`INSERT INTO ticket_merges (ticket_id, into_id, by_whom, created_at) VALUES (?, ?, ?, ?)`,
			[]any{from, into, by, fmtTime(at)}},
	}
	for _, st := range steps {
		if _, err := t.exec(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("merge ticket %d into %d: %w", from, into, err)
		}
	}
	return nil
}

// TicketMerges is a ticket's merges as `ticket show` shows them: the
// ticket it was merged into (0 when none), the tickets merged into it,
// directly or through others, and the ledger entries of those.
type TicketMerges struct {
	Into    int64
	From    []int64
	Charges []core.LedgerEntry
}

// TicketMerges reads a ticket's merges; the charges stay on the tickets
// they were made for (docs/rules.md §5), so they are found through the
// merge chain, bounded by the number of tickets merged.
func (s *DB) TicketMerges(ctx context.Context, ticket int64) (*TicketMerges, error) {
	m := &TicketMerges{}
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT into_id FROM ticket_merges WHERE ticket_id = ?), 0)`, ticket).Scan(&m.Into)
	if err != nil {
		return nil, fmt.Errorf("merges of ticket %d: %w", ticket, err)
	}
	const chain = `WITH RECURSIVE merged (id) AS (
		SELECT ticket_id FROM ticket_merges WHERE into_id = ?1
		UNION SELECT tm.ticket_id FROM ticket_merges tm JOIN merged ON tm.into_id = merged.id)`
	rows, err := s.db.QueryContext(ctx, chain+` SELECT id FROM merged ORDER BY id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("merges of ticket %d: %w", ticket, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m.From = append(m.From, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.db.QueryContext(ctx, chain+` SELECT id, account_id, kind, amount, balance, ticket_id, by_whom, reason, created_at
		FROM credit_entries WHERE ticket_id IN (SELECT id FROM merged) ORDER BY id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("charges of tickets merged into %d: %w", ticket, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e core.LedgerEntry
		var at string
		if err := rows.Scan(&e.ID, &e.AccountID, &e.Kind, &e.Amount, &e.Balance, &e.Ticket, &e.By, &e.Reason, &at); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		m.Charges = append(m.Charges, e)
	}
	return m, rows.Err()
}
