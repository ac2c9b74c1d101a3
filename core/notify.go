package core

import (
	"context"
	"fmt"
	"time"
)

// emailCustomer writes a notice to the ticket's requester, and for the
// notices copiedOn says to its participants too, one mail each
// (mailCopies), and says what it wrote: the Message-ID of the first,
// fixed here and indexed, so an answer threads back to the ticket and a
// retried send is the same mail, or "" when no address could be mailed
// (bouncing, or an automatic notice over the mail loop guard's limit);
// and who was not mailed, and why.
func (s *Service) emailCustomer(ctx context.Context, tx Tx, t *Ticket, template string, n Notice, now time.Time) (mailing, error) {
	to, cc, err := s.audience(ctx, tx, t, copiedOn(template))
	if err != nil {
		return mailing{}, err
	}
	th, err := s.threadOf(ctx, tx, t)
	if err != nil {
		return mailing{}, err
	}
	if n.Tasks == nil {
		if n.Tasks, err = taskLines(ctx, tx, t, now); err != nil {
			return mailing{}, err
		}
	}
	return s.mailCopies(ctx, tx, t, template, n, th, to, cc, now)
}

// slackPost is the ticket's card state.
func (s *Service) slackPost(ctx context.Context, tx Tx, t *Ticket) (SlackPost, error) {
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return SlackPost{}, err
	}
	p := s.cardOf(t, acc)
	if p.Tasks, err = taskLines(ctx, tx, t, s.now()); err != nil {
		return SlackPost{}, err
	}
	return p, s.cardPeople(ctx, tx, t, &p)
}

func (s *Service) cardOf(t *Ticket, acc *Account) SlackPost {
	p := SlackPost{
		Department: t.Department,
		Number:     t.Number,
		Subject:    t.Subject,
		Status:     t.Status,
		Type:       t.Type,
		Priority:   t.Priority,
		Account:    fmt.Sprintf("%s #%d", acc.Kind, acc.ID),
		HotRush:    t.HotRush,
		Assignee:   t.Assignee,
		Solved:     t.Solved,
		SLAState:   t.SLAState,
		Category:   t.Category,
		Cost:       s.rules.Credits.Cost(t.Category),
		Charged:    t.Charged,
		Balance:    acc.Credits,
		CreditHold: t.Hold,
	}
	if acc.Name != "" {
		p.Account = fmt.Sprintf("%s (%s #%d)", acc.Name, acc.Kind, acc.ID)
	}
	if t.AwaitingReply && !t.SLADue.IsZero() {
		due := t.SLADue
		p.SLADue = &due
	}
	return p
}

// notifyChange redraws the ticket's Slack card and says in its thread
// what changed.
func (s *Service) notifyChange(ctx context.Context, tx Tx, t *Ticket, event string, now time.Time) error {
	p, err := s.slackPost(ctx, tx, t)
	if err != nil {
		return err
	}
	// The card shows the message that opened the ticket.
	card := p
	if m, err := tx.FirstMessage(ctx, t.Number); err == nil {
		card.From, card.Text, card.Attachments = m.From, m.Text, m.Attachments
		card.AuthWarning = authWarning(m)
	} else if ErrorCode(err) != ENOTFOUND {
		return err
	}
	if err := enqueue(ctx, tx, OutboxSlackUpdate, t.Number, card, now); err != nil {
		return err
	}
	if event == "" {
		return nil
	}
	p.Event = event
	return enqueue(ctx, tx, OutboxSlackReply, t.Number, p, now)
}

// notifyStatus tells the customer (unless the change was theirs: their
// commands notice says it) and Slack about a status change.
func (s *Service) notifyStatus(ctx context.Context, tx Tx, t *Ticket, a Actor, reason string, now time.Time) error {
	if a.Kind != ActorCustomer {
		if _, err := s.emailCustomer(ctx, tx, t, TemplateStatus, Notice{Status: t.Status, Reason: reason}, now); err != nil {
			return err
		}
	}
	event := fmt.Sprintf("status: %s by %s", t.Status, a)
	if reason != "" {
		event += " (" + reason + ")"
	}
	return s.notifyChange(ctx, tx, t, event, now)
}

// notifyDepartment posts a notice to the department's channel.
func notifyDepartment(ctx context.Context, tx Tx, t *Ticket, text string, mention []string, now time.Time) error {
	return enqueue(ctx, tx, OutboxSlackNotice, t.Number, SlackNotice{Department: t.Department, Number: t.Number,
		Text: text, Mention: mention}, now)
}
