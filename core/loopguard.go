package core

import (
	"context"
	"fmt"
	"time"
)

// DefaultAutoMailLimit is how many automatic mails one address gets in
// AutoMailWindow when Options.AutoMailLimit is zero.
const DefaultAutoMailLimit = 10

// AutoMailWindow is the period the mail loop guard counts over.
const AutoMailWindow = time.Hour

// MailGuardTx is the part of Tx that the mail loop guard uses.
type MailGuardTx interface {
	// AutoMails counts the automatic mails to addr recorded after since:
	// those queued and those the guard refused.
	AutoMails(ctx context.Context, addr string, since time.Time) (sent, refused int, err error)
	// RecordAutoMail records an automatic mail to addr, queued or refused.
	RecordAutoMail(ctx context.Context, addr string, ticket int64, template string, at time.Time, refused bool) error
}

// isAutomatic reports whether a notice template is written by the
// gateway on its own. A staff answer (TemplateReply) is a person's mail:
// the guard neither counts nor holds it back, since a loop cannot make
// one and dropping it would lose an answer.
func isAutomatic(template string) bool { return template != TemplateReply && !answersOwnMail(template) }

// mayMail is the mail loop guard (docs/rules.md §6 keeps auto-replies from
// being answered; this also stops an auto-responder that does not say it
// is one, RFC 3834). It reports whether an automatic notice to addr may
// be queued now, and records it either way. Over the limit, the notice is
// dropped; the first refusal in a window is logged and told to the
// ticket's department.
func (s *Service) mayMail(ctx context.Context, tx Tx, t *Ticket, addr, template string, now time.Time) (bool, error) {
	if answersOwnMail(template) {
		return s.mayAnswer(ctx, tx, t.Number, t.Department, addr, template, now)
	}
	if !isAutomatic(template) || s.autoLimit < 0 {
		return true, nil
	}
	addr = NormalizeAddress(addr)
	sent, refused, err := tx.AutoMails(ctx, addr, now.Add(-AutoMailWindow))
	if err != nil {
		return false, err
	}
	if sent < s.autoLimit {
		return true, tx.RecordAutoMail(ctx, addr, t.Number, template, now, false)
	}
	if err := tx.RecordAutoMail(ctx, addr, t.Number, template, now, true); err != nil {
		return false, err
	}
	if refused > 0 {
		s.log.Debug("not mailed: automatic mail limit reached", "ticket", t.Number, "template", template, "to", addr)
		return false, nil
	}
	s.log.Warn("not mailed: automatic mail limit reached, a mail loop is likely; further notices to this address are dropped for up to an hour",
		"ticket", t.Number, "template", template, "to", addr, "limit", s.autoLimit, "window", AutoMailWindow)
	text := fmt.Sprintf("%s got %d automatic mails in the last hour: further notices to it are not sent for up to an hour "+
		"(a mail loop with an auto-responder is likely). Staff answers still go out.", addr, sent)
	return false, notifyDepartment(ctx, tx, t, text, nil, now)
}
