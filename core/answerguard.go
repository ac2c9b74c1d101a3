package core

import (
	"context"
	"fmt"
	"time"
)

// DefaultAnswerMailLimit is how many answers to their own mail one
// address gets in AutoMailWindow when Options.AnswerMailLimit is zero.
const DefaultAnswerMailLimit = 60

// AnswerGuardTx is the part of Tx that the cap on answers uses.
type AnswerGuardTx interface {
	// AnswerMails counts the answers to addr recorded after since: those
	// queued and those the cap refused.
	AnswerMails(ctx context.Context, addr string, since time.Time) (sent, refused int, err error)
	// RecordAnswerMail records an answer to addr, queued or refused.
	RecordAnswerMail(ctx context.Context, addr string, ticket int64, template string, at time.Time, refused bool) error
}

// answersOwnMail reports whether a notice template answers a person's own
// mail: the results of their #commands, refusals included, and the list
// #tickets asks for (docs/rules.md §6). Such a notice is no automatic
// mail: the loop guard's hourly limit of automatic notices neither counts
// nor holds it back, or a customer busy with their tickets would stop
// hearing what their commands did. mayAnswer caps it instead.
func answersOwnMail(template string) bool {
	return template == TemplateCommands || template == TemplateTickets
}

// mayAnswer is the cap on answers to a person's own mail: generous, so a
// person never meets it, but a loop of mail that carries commands (an
// auto-responder that quotes them as new text) still stops. It reports
// whether the answer to addr may be queued, and records it either way;
// the first refusal in a window is logged and told to the department.
func (s *Service) mayAnswer(ctx context.Context, tx Tx, ticket int64, dept, addr, template string, now time.Time) (bool, error) {
	if s.answerLimit < 0 {
		return true, nil
	}
	addr = NormalizeAddress(addr)
	sent, refused, err := tx.AnswerMails(ctx, addr, now.Add(-AutoMailWindow))
	if err != nil {
		return false, err
	}
	if sent < s.answerLimit {
		return true, tx.RecordAnswerMail(ctx, addr, ticket, template, now, false)
	}
	if err := tx.RecordAnswerMail(ctx, addr, ticket, template, now, true); err != nil {
		return false, err
	}
	if refused > 0 {
		s.log.Debug("not mailed: answer limit reached", "ticket", ticket, "template", template, "to", addr)
		return false, nil
	}
	s.log.Warn("not mailed: answer limit reached, a mail loop is likely; further answers to this address are dropped for up to an hour",
		"ticket", ticket, "template", template, "to", addr, "limit", s.answerLimit, "window", AutoMailWindow)
	text := fmt.Sprintf("%s was answered %d times in the last hour: the answers to its further commands are not sent for up to an hour "+
		"(a mail loop is likely). Staff answers still go out.", addr, sent)
	return false, notifyDepartment(ctx, tx, &Ticket{Number: ticket, Department: dept}, text, nil, now)
}
