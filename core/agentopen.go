package core

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// OpenRequest is a ticket an agent opens on a customer's behalf
// (docs/rules.md §2): its first message is the agent's, mailed to the
// customer with a signed reply address, so their answer threads to it.
type OpenRequest struct {
	To      Address // the customer; a new presales account when unknown
	Subject string  // a leading [word] sets the type, as for mail
	Text    string
	// Department is where the ticket goes; "" means the one the
	// subject's [word] names, else the fallback department.
	Department string
}

// OpenTicket opens a ticket for r.To with a's first message and returns
// its number. Only staff may; an agent opening it is assigned it.
func (s *Service) OpenTicket(ctx context.Context, r OpenRequest, a Actor) (int64, error) {
	if a.Kind != ActorAgent && a.Kind != ActorAdmin {
		return 0, Errorf(EFORBIDDEN, "only support staff can open a ticket for a customer")
	}
	addr := NormalizeAddress(r.To.Addr)
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(addr, " <>,") {
		return 0, Errorf(EINVALID, "%q is not an email address", r.To.Addr)
	}
	if s.AcceptsRecipient(addr) {
		return 0, Errorf(EINVALID, "%s is one of the helpdesk's own addresses", addr)
	}
	subject, text := strings.TrimSpace(r.Subject), strings.TrimSpace(r.Text)
	if subject == "" || text == "" {
		return 0, Errorf(EINVALID, "a new ticket needs a subject and a text")
	}
	dept := s.table().fallback.Name
	if r.Department != "" {
		if _, ok := s.table().depts[r.Department]; !ok {
			return 0, Errorf(EINVALID, "no department %q", r.Department)
		}
		dept = r.Department
	}
	var number int64
	err := s.store.Tx(ctx, func(tx Tx) error {
		t, err := s.openForCustomer(ctx, tx, r, addr, dept, subject, text, a, s.now().UTC())
		if t != nil {
			number = t.Number
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("open ticket for %s: %w", addr, err)
	}
	return number, nil
}

func (s *Service) openForCustomer(ctx context.Context, tx Tx, r OpenRequest, addr, dept, subject, text string, a Actor, now time.Time) (*Ticket, error) {
	p, acc, err := s.customerOf(ctx, tx, addr, r.To.Name, now)
	if err != nil {
		return nil, err
	}
	d, typ, subject := s.typeSubject(dept, subject)
	if r.Department != "" {
		d = r.Department
	}
	if err := s.mayActIn(a, d, "the new ticket"); err != nil {
		return nil, err
	}
	t := s.newTicket(acc, p.ID, d, subject, now)
	t.Type = typ
	// Nobody waits for staff: the customer has not written yet.
	t.AwaitingReply, t.SLAState, t.SLAStart, t.SLADue, t.SLARiskAt = false, SLANone, time.Time{}, time.Time{}, time.Time{}
	if a.Kind == ActorAgent {
		t.Assignee = a.ID
		for _, to := range []string{StatusAssigned, StatusInProgress} {
			if err := s.moveStatus(t, to, a, now); err != nil {
				return nil, err
			}
		}
	}
	if err := tx.CreateTicket(ctx, t); err != nil {
		return nil, err
	}
	if err := s.refreshFactor(ctx, tx, t, now); err != nil {
		return nil, err
	}
	// A staff answer: mailed even with notifications off, never held
	// back by the loop guard; its Message-ID threads the reply.
	ml, err := s.emailCustomer(ctx, tx, t, TemplateReply, Notice{Text: text, Agent: a.Name}, now)
	if err != nil {
		return nil, err
	}
	id := ml.first
	if id == "" {
		id = s.newMessageID(t.Number)
	}
	m := &Message{Ticket: t.Number, Direction: DirOutbound, From: a.ID, MessageID: id, BodyHash: id,
		Subject: subject, Text: text, CreatedAt: now}
	if err := tx.AddMessage(ctx, m); err != nil {
		return nil, err
	}
	post := s.cardOf(t, acc)
	post.From, post.Text, post.Direction = a.String(), text, DirOutbound
	if err := enqueue(ctx, tx, OutboxSlackTicket, t.Number, post, now); err != nil {
		return nil, err
	}
	// A bouncing address is not mailed, and the thread says so.
	if _, err := s.answerMailed(ctx, tx, t, a, ml, now); err != nil {
		return nil, err
	}
	return t, tx.UpdateTicket(ctx, t)
}

// customerOf returns the profile with addr and its account, creating a
// presales account with addr as its primary profile when there is none
// (docs/rules.md §1).
func (s *Service) customerOf(ctx context.Context, tx Tx, addr, name string, now time.Time) (*Profile, *Account, error) {
	p, err := tx.ProfileByEmail(ctx, addr)
	if err == nil {
		acc, err := tx.Account(ctx, p.AccountID)
		return p, acc, err
	}
	if ErrorCode(err) != ENOTFOUND {
		return nil, nil, err
	}
	acc := &Account{Kind: AccountPresales, Name: name, CreatedAt: now,
		PriorityFactor: PriorityFactor(PriorityLevel(PriorityNormal), 1, s.rules.PriorityK)}
	if err := tx.CreateAccount(ctx, acc); err != nil {
		return nil, nil, err
	}
	p = &Profile{AccountID: acc.ID, Email: addr, Name: name, Role: RolePrimary, CreatedAt: now}
	if err := tx.CreateProfile(ctx, p); err != nil {
		return nil, nil, err
	}
	return p, acc, nil
}
