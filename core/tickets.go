package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core/token"
)

// MaxTicketList is how many tickets the #tickets answer lists, newest
// first: with a line of about 200 bytes each (more in Russian, and in
// quoted-printable), 25 keep the answer within core.MaxNoticeBytes.
const MaxTicketList = 25

// AccountTicketsTx is the part of Tx that #tickets uses.
type AccountTicketsTx interface {
	// OpenTickets returns the account's tickets that are not closed,
	// the most recently active first, at most limit of them.
	OpenTickets(ctx context.Context, account int64, limit int) ([]Ticket, error)
}

// ticketsAction answers #tickets (docs/rules.md §6): it mails the sender
// the open tickets of their account, each with a signed reply address of
// its own. It changes no ticket, and t may be nil: a mail that holds
// nothing but #tickets opens none.
func (s *Service) ticketsAction(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	addr := NormalizeAddress(a.ID)
	p := a.Profile
	if p == nil {
		var err error
		if p, err = tx.ProfileByEmail(ctx, addr); err != nil && ErrorCode(err) != ENOTFOUND {
			return "", err
		}
	}
	var lines []TicketLine
	if p != nil {
		ts, err := tx.OpenTickets(ctx, p.AccountID, MaxTicketList)
		if err != nil {
			return "", err
		}
		for _, tk := range ts {
			lines = append(lines, TicketLine{Number: tk.Number, Subject: tk.Subject, Status: tk.Status,
				LastActivity: tk.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC"),
				ReplyTo:      s.replyAddress(tk.Department, token.Sign(s.secret, tk.Number, p.ID))})
		}
	}
	dept, number := s.table().fallback.Name, int64(0)
	if t != nil {
		dept, number = t.Department, t.Number
	}
	if ok, err := s.mayAnswer(ctx, tx, number, dept, addr, TemplateTickets, now); err != nil || !ok {
		return "", err
	}
	name := a.Name
	if p != nil && p.Name != "" {
		name = p.Name
	}
	d, ok := s.table().depts[dept]
	if !ok {
		d = s.table().fallback
	}
	en := EmailNotice{
		Template:  TemplateTickets,
		MessageID: s.newMessageID(0),
		To:        Address{Name: name, Addr: addr},
		ReplyTo:   NormalizeAddress(d.Addresses[0]),
		Subject:   "Your open tickets",
		Data:      Notice{Name: name, Tickets: lines},
	}
	if err := s.enqueueMail(ctx, tx, 0, s.limits.BoundNotice(en), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("the list of %d open tickets is in a separate mail", len(lines)), nil
}

// onlyTicketless reports whether a mail says nothing but commands that
// act on no one ticket (#tickets): it opens no ticket.
func onlyTicketless(e *Email) bool {
	if !onlyCommands(e) {
		return false
	}
	for _, c := range e.Commands {
		ac, ok := LookupAction(c.Name)
		if c.Err != "" || !ok || !ac.NoTicket {
			return false
		}
	}
	return true
}

// ticketless stores a mail that holds only #tickets and matched no
// ticket, on no ticket, and runs its commands.
func (s *Service) ticketless(ctx context.Context, tx Tx, e *Email, a Actor, msg *Message, now time.Time) (*Receipt, error) {
	if err := tx.AddMessage(ctx, msg); err != nil {
		return nil, err
	}
	a.Kind = ActorCustomer
	for _, c := range e.Commands {
		if _, err := s.act(ctx, tx, nil, a, strings.ToLower(c.Name), c.Args, now); err != nil {
			return nil, err
		}
	}
	return &Receipt{Outcome: OutcomeCommands, Message: msg.ID}, nil
}
