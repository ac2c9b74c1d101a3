package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"helpdesk/core"
)

// CreditStatement is an account's credits: its balance, every lot and
// every ledger entry (docs/rules.md §5).
type CreditStatement struct {
	Account core.Account
	Email   string // the address it was looked up by
	Lots    []core.Lot
	Entries []core.LedgerEntry
}

// CreditStatement returns the statement of the account of email, or of
// the account with that id ("12" or "#12"), which reaches an account
// that has no profiles, such as one merged into another.
func (s *DB) CreditStatement(ctx context.Context, email string) (*CreditStatement, error) {
	st := &CreditStatement{Email: core.NormalizeAddress(email)}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		t := &Tx{tx: tx, db: s}
		id, err := strconv.ParseInt(strings.TrimPrefix(st.Email, "#"), 10, 64)
		if err != nil {
			p, err := t.ProfileByEmail(ctx, st.Email)
			if err != nil {
				return err
			}
			id = p.AccountID
		}
		acc, err := t.Account(ctx, id)
		if err != nil {
			return err
		}
		st.Account = *acc
		if st.Lots, err = t.lots(ctx, `SELECT `+lotColumns+` FROM credit_lots WHERE account_id = ?
			ORDER BY added_at, id`, acc.ID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, account_id, kind, amount, balance, COALESCE(ticket_id, 0),
			by_whom, reason, created_at FROM credit_entries WHERE account_id = ? ORDER BY id`, acc.ID)
		if err != nil {
			return fmt.Errorf("list ledger: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e core.LedgerEntry
			var at string
			if err := rows.Scan(&e.ID, &e.AccountID, &e.Kind, &e.Amount, &e.Balance, &e.Ticket, &e.By, &e.Reason, &at); err != nil {
				return err
			}
			e.At = parseTime(at)
			st.Entries = append(st.Entries, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// CreditMismatch is one difference VerifyCredits found.
type CreditMismatch struct {
	Account int64  // 0 when the mismatch is a ticket's
	Ticket  int64  // 0 when it is an account's
	What    string // which figures differ, and by how much
}

// VerifyCredits recomputes every balance from the ledger and reports each
// difference: an account whose balance is not the sum of its entries or
// of its lots' remainders, an entry whose running balance does not follow
// from the one before, a lot whose remainder does not match what was
// spent from it, a ticket whose charge is not the sum of its entries.
// None means the books are right.
func (s *DB) VerifyCredits(ctx context.Context) ([]CreditMismatch, error) {
	var out []CreditMismatch
	checks := []struct {
		query  string
		ticket bool
		format string
	}{
		{`SELECT a.id, a.credits, COALESCE((SELECT SUM(amount) FROM credit_entries e WHERE e.account_id = a.id), 0)
			FROM accounts a WHERE a.credits != COALESCE((SELECT SUM(amount) FROM credit_entries e WHERE e.account_id = a.id), 0)`,
			false, "balance %d, but its ledger sums to %d"},
		{`SELECT a.id, a.credits, COALESCE((SELECT SUM(remaining) FROM credit_lots l WHERE l.account_id = a.id), 0)
			FROM accounts a WHERE a.credits != COALESCE((SELECT SUM(remaining) FROM credit_lots l WHERE l.account_id = a.id), 0)`,
			false, "balance %d, but its lots hold %d"},
		{`SELECT account_id, balance, expected FROM (SELECT account_id, balance,
				SUM(amount) OVER (PARTITION BY account_id ORDER BY id) AS expected FROM credit_entries) AS running
			WHERE balance != expected`,
			false, "an entry's running balance is %d, but the entries up to it sum to %d"},
		{`SELECT l.account_id, l.credits - l.remaining, COALESCE((SELECT SUM(credits) FROM credit_spends s WHERE s.lot_id = l.id), 0)
			FROM credit_lots l WHERE l.credits - l.remaining != COALESCE((SELECT SUM(credits) FROM credit_spends s WHERE s.lot_id = l.id), 0)`,
			false, "a lot has %d credits used, but its spends sum to %d"},
		{`SELECT t.id, t.credits_charged, -COALESCE((SELECT SUM(amount) FROM credit_entries e WHERE e.ticket_id = t.id AND e.kind != 'custom_charge'), 0)
			FROM tickets t WHERE t.credits_charged != -COALESCE((SELECT SUM(amount) FROM credit_entries e WHERE e.ticket_id = t.id AND e.kind != 'custom_charge'), 0)`,
			true, "charged %d, but its ledger entries come to %d"},
		// Custom charges (docs/rules.md §5) are kept apart from the
		// category's charge: each charged one is one entry.
		{`SELECT t.id, c.charged, c.entries FROM tickets t JOIN (SELECT ticket_id,
				COALESCE((SELECT SUM(amount) FROM custom_charges cc WHERE cc.ticket_id = x.ticket_id AND cc.state = 'charged'), 0) AS charged,
				-COALESCE((SELECT SUM(amount) FROM credit_entries e WHERE e.ticket_id = x.ticket_id AND e.kind = 'custom_charge'), 0) AS entries
				FROM (SELECT ticket_id FROM custom_charges UNION SELECT ticket_id FROM credit_entries WHERE kind = 'custom_charge') x) c
				ON c.ticket_id = t.id WHERE c.charged != c.entries`,
			true, "custom charges of %d, but their ledger entries come to %d"},
	}
	for _, c := range checks {
		rows, err := s.db.QueryContext(ctx, c.query)
		if err != nil {
			return nil, fmt.Errorf("verify credits: %w", err)
		}
		for rows.Next() {
			var id int64
			var got, want int
			if err := rows.Scan(&id, &got, &want); err != nil {
				rows.Close()
				return nil, err
			}
			m := CreditMismatch{What: fmt.Sprintf(c.format, got, want)}
			if c.ticket {
				m.Ticket = id
			} else {
				m.Account = id
			}
			out = append(out, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
