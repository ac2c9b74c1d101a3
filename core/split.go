package core

import (
	"context"
	"fmt"
	"time"
)

// SplitTx is the part of Tx that splitting a message off uses.
type SplitTx interface {
	// TicketMessage returns the ticket's message named by ref: its
	// number, or its Message-ID (with or without angle brackets). An
	// *Error with code ENOTFOUND when the ticket has no such message.
	TicketMessage(ctx context.Context, ticket int64, ref string) (*Message, error)
	// MoveMessage moves a message, and the index of its Message-ID, to
	// another ticket.
	MoveMessage(ctx context.Context, message, ticket int64) error
}

// split is the agent's `split MESSAGE` (docs/rules.md §5: a ticket is charged
// once, so an unrelated question belongs in a ticket of its own). The
// customer's message moves into a new ticket of the same account, and
// the customer is told its number.
func (s *Service) split(ctx context.Context, tx Tx, t *Ticket, a Actor, ref string, now time.Time) (string, error) {
	m, err := tx.TicketMessage(ctx, t.Number, ref)
	if err != nil {
		return "", err
	}
	if m.Direction != DirInbound || m.Auto {
		return "", Errorf(EINVALID, "message %d is not a customer's message; only those can be split off", m.ID)
	}
	first, err := tx.FirstMessage(ctx, t.Number)
	if err != nil {
		return "", err
	}
	if first.ID == m.ID {
		return "", Errorf(EINVALID, "message %d opened ticket #%d; it cannot be split off", m.ID, t.Number)
	}
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return "", err
	}
	profile := t.ProfileID
	if m.ProfileID != 0 {
		if p, err := tx.Profile(ctx, m.ProfileID); err == nil && p.AccountID == t.AccountID {
			profile = p.ID
		}
	}
	subject := CleanSubject(m.Subject)
	if subject == "" || subject == t.Subject {
		subject = fmt.Sprintf("%s (split from #%d)", t.Subject, t.Number)
	}
	nt := s.newTicket(acc, profile, t.Department, subject, now)
	if err := tx.CreateTicket(ctx, nt); err != nil {
		return "", err
	}
	if err := tx.MoveMessage(ctx, m.ID, nt.Number); err != nil {
		return "", err
	}
	m.Ticket = nt.Number
	if err := s.refreshFactor(ctx, tx, nt, now); err != nil {
		return "", err
	}
	if err := tx.UpdateTicket(ctx, nt); err != nil {
		return "", err
	}
	if _, err := s.emailCustomer(ctx, tx, nt, TemplateSplit, Notice{SplitFrom: t.Number, Text: m.Text}, now); err != nil {
		return "", err
	}
	if acc, err = tx.Account(ctx, t.AccountID); err != nil {
		return "", err
	}
	if err := s.enqueueSlack(ctx, tx, OutboxSlackTicket, nt, acc, m, now); err != nil {
		return "", err
	}
	res := fmt.Sprintf("message %d moved from ticket #%d to the new ticket #%d", m.ID, t.Number, nt.Number)
	t.UpdatedAt = now
	if err := s.notifyChange(ctx, tx, t, res+" (by "+a.String()+")", now); err != nil {
		return "", err
	}
	return res, nil
}
