package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"helpdesk/core"
)

// The methods in this file implement core.ReplyTemplateTx: saved
// replies (docs/rules.md §7).

var _ core.ReplyTemplateTx = (*Tx)(nil)

// AddReplyTemplate implements core.ReplyTemplateTx.
func (t *Tx) AddReplyTemplate(ctx context.Context, r *core.ReplyTemplate) error {
	_, added, err := t.insertOnce(ctx, `INSERT INTO reply_templates (name, text, by_whom, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, r.Name, r.Text, r.By, fmtTime(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("add saved reply %q: %w", r.Name, err)
	}
	if !added {
		return core.Errorf(core.ECONFLICT, "a saved reply named %q exists already; remove it first", r.Name)
	}
	return nil
}

// ReplyTemplate implements core.ReplyTemplateTx.
func (t *Tx) ReplyTemplate(ctx context.Context, name string) (*core.ReplyTemplate, error) {
	rs, err := t.replyTemplates(ctx, `WHERE name = ?`, name)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "there is no saved reply %q", name)
	}
	return &rs[0], nil
}

// ReplyTemplates implements core.ReplyTemplateTx.
func (t *Tx) ReplyTemplates(ctx context.Context) ([]core.ReplyTemplate, error) {
	return t.replyTemplates(ctx, `ORDER BY name`)
}

func (t *Tx) replyTemplates(ctx context.Context, where string, args ...any) ([]core.ReplyTemplate, error) {
	rows, err := t.query(ctx, `SELECT name, text, by_whom, created_at FROM reply_templates `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read saved replies: %w", err)
	}
	defer rows.Close()
	var out []core.ReplyTemplate
	for rows.Next() {
		var r core.ReplyTemplate
		var at string
		if err := rows.Scan(&r.Name, &r.Text, &r.By, &at); err != nil {
			return nil, fmt.Errorf("read saved replies: %w", err)
		}
		r.CreatedAt = parseTime(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RemoveReplyTemplate implements core.ReplyTemplateTx.
func (t *Tx) RemoveReplyTemplate(ctx context.Context, name string) error {
	res, err := t.exec(ctx, `DELETE FROM reply_templates WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("remove saved reply %q: %w", name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return core.Errorf(core.ENOTFOUND, "there is no saved reply %q", name)
	}
	return nil
}

var _ core.CustomChargeTx = (*Tx)(nil)

// AddCustomCharge implements core.CustomChargeTx.
func (t *Tx) AddCustomCharge(ctx context.Context, c *core.CustomCharge) error {
	res, err := t.exec(ctx, `INSERT INTO custom_charges (ticket_id, amount, reason, by_whom, state, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.Ticket, c.Amount, c.Reason, c.By, c.State, fmtTime(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("add custom charge to ticket %d: %w", c.Ticket, err)
	}
	c.ID, err = res.LastInsertId()
	return err
}

// CustomCharges implements core.CustomChargeTx.
func (t *Tx) CustomCharges(ctx context.Context, ticket int64) ([]core.CustomCharge, error) {
	rows, err := t.query(ctx, customChargesQuery, ticket)
	return scanCustomCharges(rows, err, ticket)
}

// CustomCharges returns ticket's custom charges, oldest first, outside
// any write transaction (for `ticket show`).
func (s *DB) CustomCharges(ctx context.Context, ticket int64) ([]core.CustomCharge, error) {
	rows, err := s.db.QueryContext(ctx, customChargesQuery, ticket)
	return scanCustomCharges(rows, err, ticket)
}

const customChargesQuery = `SELECT id, amount, reason, by_whom, state, created_at
	FROM custom_charges WHERE ticket_id = ? ORDER BY id`

func scanCustomCharges(rows *sql.Rows, err error, ticket int64) ([]core.CustomCharge, error) {
	if err != nil {
		return nil, fmt.Errorf("custom charges of %d: %w", ticket, err)
	}
	defer rows.Close()
	var out []core.CustomCharge
	for rows.Next() {
		c := core.CustomCharge{Ticket: ticket}
		var at string
		if err := rows.Scan(&c.ID, &c.Amount, &c.Reason, &c.By, &c.State, &at); err != nil {
			return nil, fmt.Errorf("custom charges of %d: %w", ticket, err)
		}
		c.CreatedAt = parseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// EndCustomCharge implements core.CustomChargeTx.
func (t *Tx) EndCustomCharge(ctx context.Context, id int64, state string, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE custom_charges SET state = ?, done_at = ? WHERE id = ? AND state = 'asked'`, state, fmtTime(at), id)
	if err != nil {
		return fmt.Errorf("end custom charge %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("end custom charge %d: it waits no longer", id)
	}
	return nil
}
