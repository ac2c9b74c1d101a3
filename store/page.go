package store

import (
	"helpdesk/core"
	"math"

	"context"
	"slices"
	"strings"
	"time"
)

// TicketPage selects one page of tickets for `ticket list` and `queue`:
// the filters, then a keyset cursor, never an OFFSET, so that a page
// costs the same at the start of a million tickets as at their end.
type TicketPage struct {
	Statuses   []string  // any of these; none: every status
	Active     bool      // only submitted, assigned, in_progress, reopened
	Department string    // "": every department
	Account    int64     // the owning account; 0: any
	Email      string    // an address of the owning account; "": any
	Since      time.Time // created at or after; zero: any time
	Tag        string    // only tickets with this tag; "": any
	After      int64     // the cursor: the last number of the page before; 0: from the start
	Limit      int       // how many at most; 0: no limit
}

// where returns the filters as SQL conditions (on table tickets) and
// their arguments.
func (p *TicketPage) where() (string, []any) {
	var conds []string
	var args []any
	if len(p.Statuses) > 0 {
		conds = append(conds, "status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(p.Statuses)), ", ")+")")
		for _, s := range p.Statuses {
			args = append(args, s)
		}
	}
	if p.Active {
		conds = append(conds, "status IN ('submitted', 'assigned', 'in_progress', 'reopened')")
	}
	if p.Department != "" {
		conds = append(conds, "department = ?")
		args = append(args, p.Department)
	}
	if p.Account != 0 {
		conds = append(conds, "account_id = ?")
		args = append(args, p.Account)
	}
	if p.Email != "" {
		conds = append(conds, "account_id = (SELECT account_id FROM profiles WHERE email = ?)")
		args = append(args, strings.ToLower(p.Email))
	}
	if !p.Since.IsZero() {
		conds = append(conds, "created_at >= ?")
		args = append(args, fmtTime(p.Since))
	}
	if p.Tag != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = tickets.id AND g.tag = ?)")
		args = append(args, p.Tag)
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

func (p *TicketPage) limit() int {
	if p.Limit <= 0 {
		return math.MaxInt64 // no limit, on either database
	}
	return p.Limit
}

// ListTicketPage returns the tickets that match p in order of number,
// those above p.After, at most p.Limit. The next page's cursor is the
// last row's number; a page shorter than the limit is the last.
func (s *DB) ListTicketPage(ctx context.Context, p TicketPage) ([]core.TicketSummary, error) {
	where, args := p.where()
	// The primary key is the number (rowid): the range and the order come
	// from the table's own b-tree, so a page reads about one page of rows.
	q := `SELECT ` + ticketRowColumns + ` FROM tickets WHERE id > ? AND ` + where + ` ORDER BY id LIMIT ?`
	return s.ticketRows(ctx, q, append(append([]any{p.After}, args...), p.limit())...)
}

// QueuePage returns the queue (see Queue) filtered by p, from the ticket
// after p.After in queue order, at most p.Limit. The cursor is a ticket
// number: the page goes on after that ticket's place in the queue (its
// HotRush, rank, due time and number as they are now); a ticket that does
// not exist is a core.ENOTFOUND error.
//
// The queue's order mixes descending and ascending columns, so "after the
// cursor" is no single range of the index: it is four, one after the
// other in queue order (the cursor's HotRush, rank and due time with a
// higher number; then a later due time; then a lower rank; then no
// HotRush), each read as a range of tickets_queue until the page is full.
func (s *DB) QueuePage(ctx context.Context, p TicketPage) ([]core.TicketSummary, error) {
	where, args := p.where()
	q := `SELECT ` + ticketRowColumns + ` FROM tickets INDEXED BY tickets_queue
		WHERE awaiting_reply = 1 AND status IN ('submitted', 'assigned', 'in_progress', 'reopened') AND ` + where
	order := ` ORDER BY hotrush DESC, rank DESC, sla_due, id LIMIT ?`
	if p.After <= 0 {
		return s.ticketRows(ctx, q+order, append(args, p.limit())...)
	}
	var h int
	var r float64
	var d string
	err := s.db.QueryRowContext(ctx, `SELECT hotrush, rank, sla_due FROM tickets WHERE id = ?`, p.After).Scan(&h, &r, &d)
	if err != nil {
		return nil, notFound(err, "ticket")
	}
	ranges := []struct {
		cond string
		args []any
	}{
		{`hotrush = ? AND rank = ? AND sla_due = ? AND id > ?`, []any{h, r, d, p.After}},
		{`hotrush = ? AND rank = ? AND sla_due > ?`, []any{h, r, d}},
		{`hotrush = ? AND rank < ?`, []any{h, r}},
		{`hotrush < ?`, []any{h}},
	}
	var out []core.TicketSummary
	for _, rg := range ranges {
		limit := math.MaxInt64
		if p.Limit > 0 {
			limit = p.Limit - len(out)
		}
		rows, err := s.ticketRows(ctx, q+` AND `+rg.cond+order, append(append(slices.Clone(args), rg.args...), limit)...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if p.Limit > 0 && len(out) >= p.Limit {
			break
		}
	}
	return out, nil
}
