package store

import (
	"context"
	"fmt"

	"helpdesk/core"
)

// The methods in this file implement core.ReplyTemplateTx: saved
// replies (docs/rules.md §7).

var _ core.ReplyTemplateTx = (*Tx)(nil)

// AddReplyTemplate implements core.ReplyTemplateTx.
func (t *Tx) AddReplyTemplate(ctx context.Context, r *core.ReplyTemplate) error {
	_, err := t.exec(ctx, `INSERT INTO reply_templates (name, text, by_whom, created_at) VALUES (?, ?, ?, ?)`,
		r.Name, r.Text, r.By, fmtTime(r.CreatedAt))
	if isDuplicateKey(err) {
		return core.Errorf(core.ECONFLICT, "a saved reply named %q exists already; remove it first", r.Name)
	}
	if err != nil {
		return fmt.Errorf("add saved reply %q: %w", r.Name, err)
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
