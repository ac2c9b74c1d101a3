package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"helpdesk/core"
)

// activeStatus is the SQL of core.Active. The partial indexes of
// migration 0003 spell it the same way, as SQLite uses a partial index
// only for a query that repeats its condition; TestActiveStatus checks
// both.
var activeStatus = func() string {
	q := make([]string, len(core.ActiveStatuses))
	for i, st := range core.ActiveStatuses {
		q[i] = "'" + st + "'"
	}
	return "status IN (" + strings.Join(q, ", ") + ")"
}()

// TicketFilter selects tickets for ListTickets.
type TicketFilter struct {
	Active bool // only tickets whose status is core.Active
}

// ListTickets returns tickets, newest first.
func (s *DB) ListTickets(ctx context.Context, f TicketFilter) ([]core.TicketSummary, error) {
	q := `SELECT ` + ticketRowColumns + ` FROM tickets`
	if f.Active {
		q += ` WHERE ` + activeStatus
	}
	return s.ticketRows(ctx, q+` ORDER BY id DESC`)
}

func (s *DB) ticketRows(ctx context.Context, q string, args ...any) ([]core.TicketSummary, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var out []core.TicketSummary
	for rows.Next() {
		r, err := scanTicketRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// TicketRow returns one ticket with its account.
func (s *DB) TicketRow(ctx context.Context, number int64) (*core.TicketSummary, error) {
	r, err := scanTicketRow(s.db.QueryRowContext(ctx, `SELECT `+ticketRowColumns+` FROM tickets WHERE id = ?`, number))
	return r, notFound(err, "ticket")
}

// ticketRowColumns are a ticket's columns and then its account's.
const ticketRowColumns = ticketColumns + `, (SELECT kind FROM accounts a WHERE a.id = tickets.account_id),
	(SELECT name FROM accounts a WHERE a.id = tickets.account_id),
	(SELECT created_at FROM accounts a WHERE a.id = tickets.account_id),
	COALESCE((SELECT email FROM profiles WHERE account_id = tickets.account_id AND role = 'primary' ORDER BY id LIMIT 1), '')`

func scanTicketRow(row scanner) (*core.TicketSummary, error) {
	var r core.TicketSummary
	var acreated string
	tk, err := scanTicket(extraScanner{row, []any{&r.Account.Kind, &r.Account.Name, &acreated, &r.Email}})
	if err != nil {
		return nil, err
	}
	r.Ticket = *tk
	r.Account.ID, r.Account.CreatedAt = r.AccountID, parseTime(acreated)
	return &r, nil
}

// extraScanner appends destinations to a Scan, so a query can select a
// ticket's columns and more.
type extraScanner struct {
	row   scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

// Messages returns the messages of a ticket in order, without raw bytes.
func (s *DB) Messages(ctx context.Context, ticket int64) ([]core.Message, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE ticket_id = ? ORDER BY id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []core.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

const messageColumns = `id, COALESCE(ticket_id, 0), direction, COALESCE(profile_id, 0), from_addr, message_id,
	body_hash, subject, text, quoted, auto, auto_reason, attachments, created_at, COALESCE(auth, '')`

func scanMessage(row scanner) (*core.Message, error) {
	var m core.Message
	var atts, created, auth string
	err := row.Scan(&m.ID, &m.Ticket, &m.Direction, &m.ProfileID, &m.From, &m.MessageID, &m.BodyHash,
		&m.Subject, &m.Text, &m.Quoted, &m.Auto, &m.AutoReason, &atts, &created, &auth)
	if err != nil {
		return nil, err
	}
	if m.Auth, err = parseAuth(auth); err != nil {
		return nil, fmt.Errorf("message %d auth: %w", m.ID, err)
	}
	m.CreatedAt = parseTime(created)
	if err := json.Unmarshal([]byte(atts), &m.Attachments); err != nil {
		return nil, fmt.Errorf("message %d attachments: %w", m.ID, err)
	}
	return &m, nil
}

// Raw returns the stored bytes of an inbound message.
func (s *DB) Raw(ctx context.Context, message int64) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRowContext(ctx, `SELECT raw FROM messages WHERE id = ?`, message).Scan(&raw)
	return raw, notFound(err, "message")
}

// FindMessageID looks a Message-ID up among everything received and sent,
// including mail that belongs to no ticket.
func (s *DB) FindMessageID(ctx context.Context, messageID string) (*core.MessageHit, error) {
	var f core.MessageHit
	var msg sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT ticket_id, direction, message FROM message_ids
		WHERE message_id = ? ORDER BY rowid LIMIT 1`, messageID).Scan(&f.Ticket, &f.Direction, &msg)
	if err == sql.ErrNoRows {
		// An auto-reply that matched nothing is stored without a ticket.
		m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE message_id = ? ORDER BY id LIMIT 1`, messageID))
		if err != nil {
			return nil, notFound(err, "message")
		}
		return &core.MessageHit{Ticket: m.Ticket, Direction: m.Direction, Message: m}, nil
	}
	if err != nil {
		return nil, err
	}
	if msg.Valid {
		f.Message, err = scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, msg.Int64))
		if err != nil {
			return nil, err
		}
	}
	return &f, nil
}

// Counts returns the figures for /status.
func (s *DB) Counts(ctx context.Context) (*core.Counts, error) {
	c := &core.Counts{TicketsByStatus: map[string]int{}, TicketsByDepartment: map[string]map[string]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT department, status, COUNT(*) FROM tickets GROUP BY department, status`)
	if err != nil {
		return nil, fmt.Errorf("count tickets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var dept, st string
		var n int
		if err := rows.Scan(&dept, &st, &n); err != nil {
			return nil, err
		}
		c.TicketsByStatus[st] += n
		if c.TicketsByDepartment[dept] == nil {
			c.TicketsByDepartment[dept] = map[string]int{}
		}
		c.TicketsByDepartment[dept][st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var oldest sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM outbox WHERE state = 'pending'),
		(SELECT COUNT(*) FROM outbox WHERE state = 'dead'),
		(SELECT MIN(created_at) FROM outbox WHERE state = 'pending'),
		(SELECT COUNT(*) FROM messages),
		(SELECT COUNT(*) FROM quarantine),
		(SELECT COUNT(*) FROM tickets WHERE awaiting_reply = 1 AND sla_state = 'at_risk'
			AND `+activeStatus+`),
		(SELECT COUNT(*) FROM tickets WHERE awaiting_reply = 1 AND sla_state = 'breached'
			AND `+activeStatus+`),
		(SELECT COUNT(*) FROM messages WHERE id > (SELECT last_id FROM search_indexed))`).
		Scan(&c.OutboxPending, &c.OutboxDead, &oldest, &c.Messages, &c.Quarantined, &c.SLAAtRisk, &c.SLABreached,
			&c.SearchWaiting)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	if oldest.Valid {
		c.OutboxOldest = parseTime(oldest.String)
	}
	if c.OpenByTag, err = s.openByTag(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// openByTag counts the active tickets of the core.MetricTags most used
// tags, the rest under core.TagOther.
func (s *DB) openByTag(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.tag, COUNT(*) AS n FROM ticket_tags g
		JOIN tickets ON tickets.id = g.ticket_id WHERE `+activeStatus+`
		GROUP BY g.tag ORDER BY n DESC, g.tag`)
	if err != nil {
		return nil, fmt.Errorf("count tags: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for i := 0; rows.Next(); i++ {
		var tag string
		var n int
		if err := rows.Scan(&tag, &n); err != nil {
			return nil, fmt.Errorf("count tags: %w", err)
		}
		if i >= core.MetricTags {
			tag = core.TagOther
		}
		out[tag] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tags: %w", err)
	}
	return out, nil
}

// Tasks returns the tasks of a ticket in order.
func (s *DB) Tasks(ctx context.Context, ticket int64) ([]core.Task, error) {
	var tasks []core.Task
	err := s.tx(ctx, func(tx *sql.Tx) (err error) {
		tasks, err = (&Tx{tx: tx, db: s}).Tasks(ctx, ticket)
		return err
	})
	return tasks, err
}
