package store

import (
	"context"
	"fmt"

	"helpdesk/core"
)

var _ core.TagTx = (*Tx)(nil)

// AddTag tags a ticket; it reports whether the tag is new on it.
func (t *Tx) AddTag(ctx context.Context, ticket int64, tag string) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, ticket, tag)
	if err != nil {
		return false, fmt.Errorf("add tag: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RemoveTag untags a ticket; a tag it does not have is not_found.
func (t *Tx) RemoveTag(ctx context.Context, ticket int64, tag string) error {
	res, err := t.exec(ctx, `DELETE FROM ticket_tags WHERE ticket_id = ? AND tag = ?`, ticket, tag)
	if err != nil {
		return fmt.Errorf("remove tag: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return core.Errorf(core.ENOTFOUND, "tag not found")
	}
	return nil
}

// Tags returns a ticket's tags in order.
func (t *Tx) Tags(ctx context.Context, ticket int64) ([]string, error) {
	if t.fresh[ticket] {
		return []string{}, nil
	}
	rows, err := t.query(ctx, `SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag`, ticket)
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return scanTags(rows)
}

// TicketTags returns a ticket's tags in order, outside a transaction.
func (s *DB) TicketTags(ctx context.Context, ticket int64) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tag FROM ticket_tags WHERE ticket_id = ? ORDER BY tag`, ticket)
	if err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return scanTags(rows)
}

func scanTags(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]string, error) {
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return nil, fmt.Errorf("tags: %w", err)
		}
		out = append(out, tag)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return out, nil
}
