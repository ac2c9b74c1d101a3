package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core/token"
)

// emailCustomer writes a notice to the ticket's customer and returns its
// Message-ID, fixed here and indexed, so an answer threads back to the
// ticket and a retried send is the same mail. It returns "" when the
// customer's address is bouncing, or an automatic notice is over the
// mail loop guard's limit, and nothing was written.
func (s *Service) emailCustomer(ctx context.Context, tx Tx, t *Ticket, template string, n Notice, now time.Time) (string, error) {
	p, err := tx.Profile(ctx, t.ProfileID)
	if err != nil {
		return "", err
	}
	if !p.BouncingSince.IsZero() {
		// docs/rules.md §1: a bouncing address is not mailed until cleared.
		s.log.Info("not mailed: address is bouncing", "ticket", t.Number, "template", template, "since", p.BouncingSince)
		return "", nil
	}
	if ok, err := s.mayMail(ctx, tx, t, p.Email, template, now); err != nil || !ok {
		return "", err
	}
	tok := token.Sign(s.secret, t.Number, p.ID)
	n.Number, n.Subject = t.Number, t.Subject
	if n.Name == "" {
		n.Name = p.Name
	}
	n.Ref = fmt.Sprintf("T%d-%s", t.Number, strings.ToUpper(tok))
	ids, err := tx.ThreadMessageIDs(ctx, t.Number, 10)
	if err != nil {
		return "", err
	}
	en := EmailNotice{
		Template:   template,
		MessageID:  s.newMessageID(t.Number),
		To:         Address{Name: p.Name, Addr: p.Email},
		ReplyTo:    s.replyAddress(t.Department, tok),
		Subject:    fmt.Sprintf("[#%d] %s", t.Number, t.Subject),
		References: ids,
		Data:       n,
	}
	if len(ids) > 0 {
		en.InReplyTo = ids[len(ids)-1]
	}
	if err := tx.IndexSent(ctx, en.MessageID, t.Number); err != nil {
		return "", err
	}
	return en.MessageID, enqueue(ctx, tx, OutboxEmail, t.Number, en, now)
}

// slackPost is the ticket's card state.
func (s *Service) slackPost(ctx context.Context, tx Tx, t *Ticket) (SlackPost, error) {
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return SlackPost{}, err
	}
	return s.cardOf(t, acc), nil
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
