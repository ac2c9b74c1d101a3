package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"helpdesk/core"
)

// The methods in this file implement core.CreditsTx: the ledger, its
// lots and the answers held for a charge (docs/rules.md §5).

var _ core.CreditsTx = (*Tx)(nil)

const lotColumns = `id, account_id, kind, credits, remaining, added_at, expires_at`

func (t *Tx) lots(ctx context.Context, query string, args ...any) ([]core.Lot, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list lots: %w", err)
	}
	defer rows.Close()
	var out []core.Lot
	for rows.Next() {
		var l core.Lot
		var added, expires string
		if err := rows.Scan(&l.ID, &l.AccountID, &l.Kind, &l.Credits, &l.Remaining, &added, &expires); err != nil {
			return nil, err
		}
		l.AddedAt, l.ExpiresAt = parseTime(added), parseTime(expires)
		out = append(out, l)
	}
	return out, rows.Err()
}

// Lots returns the account's lots with credits left, earliest expiry first.
func (t *Tx) Lots(ctx context.Context, account int64) ([]core.Lot, error) {
	return t.lots(ctx, `SELECT `+lotColumns+` FROM credit_lots INDEXED BY credit_lots_spend
		WHERE account_id = ? AND remaining > 0 ORDER BY expires_at, id`, account)
}

// ExpiredLots returns up to limit lots with credits left that expired at
// or before now.
func (t *Tx) ExpiredLots(ctx context.Context, now time.Time, limit int) ([]core.Lot, error) {
	return t.lots(ctx, `SELECT `+lotColumns+` FROM credit_lots INDEXED BY credit_lots_expiry
		WHERE remaining > 0 AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`, fmtTime(now), limit)
}

// PostCredits appends the posting's entry and applies it to the balance
// and the lots, in the caller's transaction. The CHECK constraints of
// the schema refuse a balance or lot below zero whatever core computed.
func (t *Tx) PostCredits(ctx context.Context, p *core.Posting) error {
	e := &p.Entry
	sum := 0
	for _, l := range p.Lots {
		sum += l.Credits
	}
	for _, sp := range p.Spends {
		sum -= sp.Credits
	}
	if sum != e.Amount || e.Amount == 0 {
		return fmt.Errorf("post credits: entry of %d, but its lots and spends come to %d", e.Amount, sum)
	}
	err := t.queryRow(ctx, `UPDATE accounts SET credits = credits + ? WHERE id = ? RETURNING credits`,
		e.Amount, e.AccountID).Scan(&e.Balance)
	if err != nil {
		return creditsErr(notFound(err, "account"), "post credits")
	}
	res, err := t.exec(ctx, `INSERT INTO credit_entries (account_id, kind, amount, balance, ticket_id, by_whom, reason, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.AccountID, e.Kind, e.Amount, e.Balance, nullID(e.Ticket), e.By, e.Reason, fmtTime(e.At))
	if err != nil {
		return fmt.Errorf("insert ledger entry: %w", err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	for _, sp := range p.Spends {
		res, err := t.exec(ctx, `UPDATE credit_lots SET remaining = remaining - ? WHERE id = ? AND account_id = ?`,
			sp.Credits, sp.Lot, e.AccountID)
		if err != nil {
			return creditsErr(err, fmt.Sprintf("spend lot %d", sp.Lot))
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("spend lot %d: not a lot of account %d", sp.Lot, e.AccountID)
		}
		if _, err := t.exec(ctx, `INSERT INTO credit_spends (entry_id, lot_id, ticket_id, credits) VALUES (?, ?, ?, ?)`,
			e.ID, sp.Lot, nullID(e.Ticket), sp.Credits); err != nil {
			return fmt.Errorf("record spend: %w", err)
		}
	}
	for i := range p.Lots {
		l := &p.Lots[i]
		err := t.queryRow(ctx, `INSERT INTO credit_lots (account_id, entry_id, kind, credits, remaining, added_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.AccountID, e.ID, l.Kind, l.Credits, l.Credits,
			fmtTime(l.AddedAt), fmtTime(l.ExpiresAt)).Scan(&l.ID)
		if err != nil {
			return fmt.Errorf("add lot: %w", err)
		}
	}
	return nil
}

// creditsErr turns a CHECK violation (a balance or lot below zero) into
// core's ECREDITS.
func creditsErr(err error, op string) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintCheck || isPgCheck(err) {
		return fmt.Errorf("%w: %s: %v", core.Errorf(core.ECREDITS, "too few credits"), op, err)
	}
	if core.ErrorCode(err) != core.EINTERNAL {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}

// TicketSpends returns, per lot, what the ticket's entries took and did
// not give back, the lot that expires last first.
func (t *Tx) TicketSpends(ctx context.Context, ticket int64) ([]core.Spend, error) {
	rows, err := t.query(ctx, `SELECT l.id, SUM(s.credits), l.expires_at FROM credit_spends s
		JOIN credit_lots l ON l.id = s.lot_id WHERE s.ticket_id = ?
		GROUP BY l.id HAVING SUM(s.credits) > 0 ORDER BY l.expires_at DESC, l.id DESC`, ticket)
	if err != nil {
		return nil, fmt.Errorf("ticket spends: %w", err)
	}
	defer rows.Close()
	var out []core.Spend
	for rows.Next() {
		var sp core.Spend
		var expires string
		if err := rows.Scan(&sp.Lot, &sp.Credits, &expires); err != nil {
			return nil, err
		}
		sp.ExpiresAt = parseTime(expires)
		out = append(out, sp)
	}
	return out, rows.Err()
}

func (t *Tx) HoldAnswer(ctx context.Context, h *core.HeldAnswer) error {
	res, err := t.exec(ctx, `INSERT INTO held_answers (ticket_id, agent, agent_name, text, created_at) VALUES (?, ?, ?, ?, ?)`,
		h.Ticket, h.Agent, h.AgentName, h.Text, fmtTime(h.CreatedAt))
	if err != nil {
		return fmt.Errorf("hold answer: %w", err)
	}
	h.ID, err = res.LastInsertId()
	return err
}

func (t *Tx) HeldAnswers(ctx context.Context, ticket int64) ([]core.HeldAnswer, error) {
	rows, err := t.query(ctx, `SELECT id, ticket_id, agent, agent_name, text, created_at FROM held_answers
		WHERE ticket_id = ? AND state = 'held' ORDER BY id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("held answers: %w", err)
	}
	defer rows.Close()
	var out []core.HeldAnswer
	for rows.Next() {
		var h core.HeldAnswer
		var created string
		if err := rows.Scan(&h.ID, &h.Ticket, &h.Agent, &h.AgentName, &h.Text, &created); err != nil {
			return nil, err
		}
		h.CreatedAt = parseTime(created)
		out = append(out, h)
	}
	return out, rows.Err()
}

func (t *Tx) EndHeldAnswer(ctx context.Context, id int64, state string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE held_answers SET state = ?, done_at = ? WHERE id = ? AND state = 'held'`,
		state, fmtTime(at), id)
	if err != nil {
		return fmt.Errorf("end held answer %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("end held answer %d: it is not held", id)
	}
	return nil
}

var _ core.SplitTx = (*Tx)(nil)

// TicketMessage returns the ticket's message by number or Message-ID.
func (t *Tx) TicketMessage(ctx context.Context, ticket int64, ref string) (*core.Message, error) {
	ref = strings.TrimSpace(ref)
	var m *core.Message
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		m, err = scanMessage(t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ? AND ticket_id = ?`, id, ticket))
	} else {
		ref = strings.TrimSuffix(strings.TrimPrefix(ref, "<"), ">")
		m, err = scanMessage(t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE message_id = ? AND ticket_id = ? ORDER BY id LIMIT 1`, ref, ticket))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, core.Errorf(core.ENOTFOUND, "ticket #%d has no message %s", ticket, ref)
	}
	return m, err
}

// MoveMessage moves a message and its Message-ID's index to a ticket.
func (t *Tx) MoveMessage(ctx context.Context, message, ticket int64) error {
	// The index first, found through its old ticket.
	if _, err := t.exec(ctx, `UPDATE message_ids SET ticket_id = ?1
		WHERE ticket_id = (SELECT ticket_id FROM messages WHERE id = ?2) AND message = ?2`, ticket, message); err != nil {
		return fmt.Errorf("move message %d: %w", message, err)
	}
	if _, err := t.exec(ctx, `UPDATE messages SET ticket_id = ? WHERE id = ?`, ticket, message); err != nil {
		return fmt.Errorf("move message %d: %w", message, err)
	}
	return nil
}
