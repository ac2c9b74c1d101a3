package core

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// bounce handles a delivery failure report (docs/rules.md §6): the failed
// addresses are marked bouncing and not mailed until they write again,
// the department is told in Slack, and the report is stored on the
// ticket it is about (or on none). It opens nothing and answers nothing.
func (s *Service) bounce(ctx context.Context, tx Tx, e *Email, now time.Time) (*Receipt, error) {
	// The report names our notice in its threading headers or quotes its
	// footer; the sender is a mail server, not a profile, so the ticket
	// is taken as found (nothing of it reaches anyone but the staff).
	var ticket *Ticket
	for _, id := range append(append([]string{}, e.InReplyTo...), reversed(e.References)...) {
		if n, err := tx.TicketByMessageID(ctx, id); err == nil {
			if ticket, err = tx.Ticket(ctx, n); err != nil {
				return nil, err
			}
			break
		}
	}
	if ticket == nil {
		for _, ref := range e.Refs {
			if n, ok := s.verifyRef(ref); ok {
				t, err := tx.Ticket(ctx, n)
				if err == nil {
					ticket = t
					break
				}
			}
		}
	}

	var marked []string
	for _, r := range e.Bounce.Recipients {
		if !r.Permanent {
			continue
		}
		p, err := tx.ProfileByEmail(ctx, NormalizeAddress(r.Addr))
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		p.BouncingSince, p.BounceStatus = now, r.Status
		if err := tx.UpdateProfile(ctx, p); err != nil {
			return nil, err
		}
		desc := p.Email
		if r.Status != "" {
			desc += " (" + r.Status + ")"
		}
		marked = append(marked, desc)
	}

	msg := &Message{Direction: DirInbound, From: NormalizeAddress(e.From.Addr), MessageID: e.MessageID,
		BodyHash: e.BodyHash, Subject: e.Subject, Text: e.Text, Quoted: e.Quoted, Auto: true,
		AutoReason: e.AutoReason, Attachments: e.Attachments, Raw: e.Raw, CreatedAt: now}
	rc := &Receipt{Outcome: OutcomeBounce}
	if ticket != nil {
		msg.Ticket, rc.Ticket = ticket.Number, ticket.Number
	}
	if err := tx.AddMessage(ctx, msg); err != nil {
		return nil, err
	}
	rc.Message = msg.ID
	if len(marked) == 0 {
		return rc, nil
	}
	target := &Ticket{Department: s.table().fallback.Name}
	text := fmt.Sprintf("Mail to %s bounced; the address is not mailed until it writes again.", strings.Join(marked, ", "))
	if ticket != nil {
		target = ticket
		text = fmt.Sprintf("Mail about ticket #%d to %s bounced; the address is not mailed until it writes again.",
			ticket.Number, strings.Join(marked, ", "))
	}
	return rc, notifyDepartment(ctx, tx, target, text, nil, now)
}
