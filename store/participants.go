package store

import (
	"context"
	"fmt"

	"helpdesk/core"
)

var _ core.ParticipantTx = (*Tx)(nil)

// Participants implements core.ParticipantTx.
func (t *Tx) Participants(ctx context.Context, ticket int64) ([]core.Participant, error) {
	if t.fresh[ticket] {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT id, ticket_id, email, name, added_by, created_at
		FROM participants WHERE ticket_id = ? ORDER BY id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("participants of %d: %w", ticket, err)
	}
	return scanParticipants(rows)
}

// AddParticipant implements core.ParticipantTx.
func (t *Tx) AddParticipant(ctx context.Context, p *core.Participant) error {
	res, added, err := t.insertOnce(ctx, `INSERT INTO participants (ticket_id, email, name, added_by, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.Ticket, p.Email, p.Name, p.AddedBy, fmtTime(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("add participant: %w", err)
	}
	if !added {
		return core.Errorf(core.ECONFLICT, "%s is a participant of ticket %d already", p.Email, p.Ticket)
	}
	p.ID, err = res.LastInsertId()
	return err
}

// RemoveParticipant implements core.ParticipantTx.
func (t *Tx) RemoveParticipant(ctx context.Context, ticket int64, email string) error {
	res, err := t.exec(ctx, `DELETE FROM participants WHERE ticket_id = ? AND email = ?`, ticket, email)
	if err != nil {
		return fmt.Errorf("remove participant: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return core.Errorf(core.ENOTFOUND, "participant not found")
	}
	return nil
}

// TicketPeople returns the address of a ticket's requester and its
// participants, oldest first, for the admin's `ticket show`.
func (s *DB) TicketPeople(ctx context.Context, ticket int64) (string, []core.Participant, error) {
	var requester string
	err := s.db.QueryRowContext(ctx, `SELECT p.email FROM tickets t JOIN profiles p ON p.id = t.profile_id
		WHERE t.id = ?`, ticket).Scan(&requester)
	if err != nil {
		return "", nil, notFound(err, "ticket")
	}
	ps, err := s.participants(ctx, ticket)
	return requester, ps, err
}

func (s *DB) participants(ctx context.Context, ticket int64) ([]core.Participant, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, ticket_id, email, name, added_by, created_at
		FROM participants WHERE ticket_id = ? ORDER BY id`, ticket)
	if err != nil {
		return nil, fmt.Errorf("participants of %d: %w", ticket, err)
	}
	return scanParticipants(rows)
}

type rowsScanner interface {
	scanner
	Next() bool
	Err() error
	Close() error
}

func scanParticipants(rows rowsScanner) ([]core.Participant, error) {
	defer rows.Close()
	var out []core.Participant
	for rows.Next() {
		var p core.Participant
		var created string
		if err := rows.Scan(&p.ID, &p.Ticket, &p.Email, &p.Name, &p.AddedBy, &created); err != nil {
			return nil, err
		}
		p.CreatedAt = parseTime(created)
		out = append(out, p)
	}
	return out, rows.Err()
}
