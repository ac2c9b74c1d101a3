package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"helpdesk/core"
)

// Tx implements core.Tx on one SQLite transaction.
type Tx struct{ tx *sql.Tx }

var _ core.Tx = (*Tx)(nil)

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "%s not found", what)
	}
	return err
}

func (t *Tx) ProfileByEmail(ctx context.Context, email string) (*core.Profile, error) {
	var p core.Profile
	var created string
	err := t.tx.QueryRowContext(ctx,
		`SELECT id, account_id, email, name, role, created_at FROM profiles WHERE email = ?`, email).
		Scan(&p.ID, &p.AccountID, &p.Email, &p.Name, &p.Role, &created)
	if err != nil {
		return nil, notFound(err, "profile")
	}
	p.CreatedAt = parseTime(created)
	return &p, nil
}

func (t *Tx) Account(ctx context.Context, id int64) (*core.Account, error) {
	return scanAccount(t.tx.QueryRowContext(ctx, `SELECT id, kind, name, created_at FROM accounts WHERE id = ?`, id))
}

func scanAccount(row *sql.Row) (*core.Account, error) {
	var a core.Account
	var created string
	if err := row.Scan(&a.ID, &a.Kind, &a.Name, &created); err != nil {
		return nil, notFound(err, "account")
	}
	a.CreatedAt = parseTime(created)
	return &a, nil
}

func (t *Tx) CreateAccount(ctx context.Context, a *core.Account) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO accounts (kind, name, created_at) VALUES (?, ?, ?)`,
		a.Kind, a.Name, fmtTime(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert account: %w", err)
	}
	a.ID, err = res.LastInsertId()
	return err
}

func (t *Tx) CreateProfile(ctx context.Context, p *core.Profile) error {
	res, err := t.tx.ExecContext(ctx,
		`INSERT INTO profiles (account_id, email, name, role, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.AccountID, p.Email, p.Name, p.Role, fmtTime(p.CreatedAt))
	if isUnique(err) {
		return core.Errorf(core.ECONFLICT, "profile %s exists", p.Email)
	}
	if err != nil {
		return fmt.Errorf("insert profile: %w", err)
	}
	p.ID, err = res.LastInsertId()
	return err
}

const ticketColumns = `id, account_id, profile_id, department, type, status, priority, hotrush,
	subject, slack_channel, slack_ts, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanTicket(row scanner) (*core.Ticket, error) {
	var tk core.Ticket
	var created, updated string
	err := row.Scan(&tk.Number, &tk.AccountID, &tk.ProfileID, &tk.Department, &tk.Type, &tk.Status,
		&tk.Priority, &tk.HotRush, &tk.Subject, &tk.SlackChannel, &tk.SlackTS, &created, &updated)
	if err != nil {
		return nil, notFound(err, "ticket")
	}
	tk.CreatedAt, tk.UpdatedAt = parseTime(created), parseTime(updated)
	return &tk, nil
}

func (t *Tx) Ticket(ctx context.Context, number int64) (*core.Ticket, error) {
	return scanTicket(t.tx.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, number))
}

func (t *Tx) TicketByMessageID(ctx context.Context, messageID string) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(ctx,
		`SELECT ticket_id FROM message_ids WHERE message_id = ? ORDER BY rowid LIMIT 1`, messageID).Scan(&n)
	return n, notFound(err, "message")
}

func (t *Tx) CreateTicket(ctx context.Context, tk *core.Ticket) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO tickets (account_id, profile_id, department, type, status,
		priority, hotrush, subject, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tk.AccountID, tk.ProfileID, tk.Department, tk.Type, tk.Status, tk.Priority, tk.HotRush, tk.Subject,
		fmtTime(tk.CreatedAt), fmtTime(tk.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	tk.Number, err = res.LastInsertId()
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (t *Tx) AddMessage(ctx context.Context, m *core.Message) error {
	atts, err := json.Marshal(nonNil(m.Attachments))
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(ctx, `INSERT INTO messages (ticket_id, direction, profile_id, from_addr,
		message_id, body_hash, subject, text, quoted, auto, auto_reason, attachments, raw, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullID(m.Ticket), m.Direction, nullID(m.ProfileID), m.From, m.MessageID, m.BodyHash, m.Subject,
		m.Text, m.Quoted, m.Auto, m.AutoReason, string(atts), m.Raw, fmtTime(m.CreatedAt))
	if isUnique(err) {
		return core.Errorf(core.ECONFLICT, "message <%s> is stored already", m.MessageID)
	}
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if m.Ticket == 0 || m.Direction != core.DirInbound {
		return nil
	}
	_, err = t.tx.ExecContext(ctx, `INSERT INTO message_ids (message_id, ticket_id, message, direction)
		VALUES (?, ?, ?, 'inbound')`, m.MessageID, m.Ticket, m.ID)
	if err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

func nonNil(a []core.Attachment) []core.Attachment {
	if a == nil {
		return []core.Attachment{}
	}
	return a
}

func (t *Tx) IndexSent(ctx context.Context, messageID string, ticket int64) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO message_ids (message_id, ticket_id, direction)
		VALUES (?, ?, 'outbound')`, messageID, ticket)
	if err != nil {
		return fmt.Errorf("index sent message: %w", err)
	}
	return nil
}

func (t *Tx) Enqueue(ctx context.Context, item *core.OutboxItem) error {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO outbox (kind, ticket_id, payload, next_attempt, created_at)
		VALUES (?, ?, ?, ?, ?)`, item.Kind, nullID(item.Ticket), item.Payload,
		fmtTime(item.NextAttempt), fmtTime(item.CreatedAt))
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", item.Kind, err)
	}
	item.ID, err = res.LastInsertId()
	return err
}
