package core

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// docs/rules.md §1: a department's policy for mail from an unknown
// sender, an address that belongs to no profile. Replies by known
// people never meet it.

// Unknown-sender policies (Department.UnknownSender).
const (
	UnknownOpen       = "open"       // open a ticket for a new presales account (the default)
	UnknownQuarantine = "quarantine" // hold the mail until staff accept or reject it
	UnknownReject     = "reject"     // refuse it: 550 over SMTP, else one polite refusal
)

// Outcomes of Receive under the unknown-sender policy.
const (
	OutcomeHeld     = "held"     // kept in quarantine for staff to accept or reject
	OutcomeRejected = "rejected" // refused: filed as rejected, the sender told once
)

// States of mail held by the policy (Quarantined.State).
const (
	HeldWaiting  = "held"
	HeldAccepted = "accepted"
	HeldRejected = "rejected"
)

// Slack buttons of a held mail's notice; their value is the quarantine id.
const (
	SlackActionAcceptHeld = "helpdesk_held_accept"
	SlackActionRejectHeld = "helpdesk_held_reject"
)

// TemplateRefusal is the polite refusal a rejected unknown sender gets
// when the transport could not refuse the mail (IMAP).
const TemplateRefusal = "refusal"

// PolicyTx is the part of Tx that keeps mail held by the unknown-sender
// policy.
type PolicyTx interface {
	// HoldMail keeps q in the quarantine table; it sets q.ID.
	HoldMail(ctx context.Context, q *Quarantined) error
	// HeldMail returns a quarantined mail with its raw bytes, or an
	// *Error with code ENOTFOUND.
	HeldMail(ctx context.Context, id int64) (*Quarantined, error)
	// SetHeldState records what staff decided about a held mail.
	SetHeldState(ctx context.Context, id int64, state string, at time.Time) error
}

func checkDepartment(d Department) error {
	if d.UnknownSender != "" && !slices.Contains([]string{UnknownOpen, UnknownQuarantine, UnknownReject}, d.UnknownSender) {
		return fmt.Errorf("core: department %s: unknown_sender %q is not open, quarantine or reject", d.Name, d.UnknownSender)
	}
	if d.Language != "" && !slices.Contains(Languages, d.Language) {
		return fmt.Errorf("core: department %s: language %q is not one of %v", d.Name, d.Language, Languages)
	}
	return nil
}

// recipientDepartment is the department a new mail is addressed to, or
// the fallback.
func (s *Service) recipientDepartment(e *Email) Department {
	for _, r := range e.Recipients() {
		if d, ok := s.departmentOf(r); ok {
			return s.table().depts[d]
		}
	}
	return s.table().fallback
}

// unknownSender applies the department's policy to a mail from sender,
// who has no profile. It reports done when the mail was held or
// rejected and the receipt says how; otherwise the mail opens a ticket.
func (s *Service) unknownSender(ctx context.Context, tx Tx, e *Email, sender string, now time.Time) (*Receipt, bool, error) {
	d := s.recipientDepartment(e)
	if e.admitted || d.UnknownSender == "" || d.UnknownSender == UnknownOpen {
		return nil, false, nil
	}
	if d.UnknownSender == UnknownReject && e.Envelope.Live {
		// Refused before the mail is ours: nothing is stored.
		return nil, true, Errorf(EREJECTED, "%s does not take mail from unknown senders; "+
			"please write from the address registered with your account", d.Addresses[0])
	}
	q := &Quarantined{Channel: "policy", Ref: "unknown sender to " + d.Name, MessageID: e.MessageID,
		Size: len(e.Raw), Raw: e.Raw, CreatedAt: now, Department: d.Name, Sender: sender, State: HeldWaiting,
		Reason: fmt.Sprintf("unknown sender %s: department %s holds mail from unknown senders for review", sender, d.Name)}
	outcome := OutcomeHeld
	if d.UnknownSender == UnknownReject {
		q.State, outcome = HeldRejected, OutcomeRejected
		q.Reason = fmt.Sprintf("unknown sender %s: department %s rejects mail from unknown senders", sender, d.Name)
	}
	if err := tx.HoldMail(ctx, q); err != nil {
		return nil, true, err
	}
	rc := &Receipt{Outcome: outcome, Held: q.ID}
	if outcome == OutcomeRejected {
		return rc, true, s.refuse(ctx, tx, d, e, sender, now)
	}
	text := fmt.Sprintf("Mail from an unknown sender is held for review (quarantine %d): %s <%s>\nSubject: %s\n\n%s",
		q.ID, e.From.Name, sender, e.Subject, excerptText(e.Text, 500))
	return rc, true, enqueue(ctx, tx, OutboxSlackNotice, 0, SlackNotice{Department: d.Name, Text: text, Held: q.ID}, now)
}

// refuse mails a rejected unknown sender one polite refusal, within the
// mail loop guard, in the language of their mail.
func (s *Service) refuse(ctx context.Context, tx Tx, d Department, e *Email, sender string, now time.Time) error {
	// The guard counts per address; ticket 0 is "no ticket".
	if ok, err := s.mayMail(ctx, tx, &Ticket{Department: d.Name}, sender, TemplateRefusal, now); err != nil || !ok {
		return err
	}
	lang := MailLanguage(e)
	if lang == "" {
		lang = deptLanguage(d)
	}
	n := EmailNotice{
		Template:   TemplateRefusal,
		MessageID:  s.newMessageID(0),
		To:         Address{Name: e.From.Name, Addr: sender},
		Subject:    refusalSubject(lang, CleanSubject(e.Subject)),
		InReplyTo:  e.MessageID,
		References: append(append([]string{}, e.References...), e.MessageID),
		Data:       Notice{Subject: CleanSubject(e.Subject), Name: e.From.Name, Lang: lang},
	}
	return s.enqueueMail(ctx, tx, 0, s.limits.BoundNotice(n), now)
}

func refusalSubject(lang, subject string) string {
	prefix := "Not delivered: "
	if lang == LangRU {
		prefix = "Не доставлено: "
	}
	return prefix + subject
}

// excerptText cuts s to about n runes.
func excerptText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// AcceptHeld opens the ticket of a mail held by the unknown-sender policy
// as if it had just arrived: e is its parse, from the raw bytes kept.
// Only staff may; a mail accepted or rejected already is ECONFLICT.
func (s *Service) AcceptHeld(ctx context.Context, id int64, e *Email, a Actor) (*Receipt, error) {
	if a.Kind == ActorCustomer {
		return nil, Errorf(EFORBIDDEN, "only support staff can accept held mail")
	}
	var rc *Receipt
	err := s.store.Tx(ctx, func(tx Tx) error {
		if err := s.heldWaiting(ctx, tx, id, a); err != nil {
			return err
		}
		now := s.now().UTC()
		e.admitted = true
		var err error
		if rc, err = s.receive(ctx, tx, e, now); err != nil {
			return err
		}
		return tx.SetHeldState(ctx, id, HeldAccepted, now)
	})
	if err != nil {
		return nil, fmt.Errorf("accept held mail %d: %w", id, err)
	}
	return rc, nil
}

// RejectHeld marks a mail held by the unknown-sender policy rejected; it
// stays in quarantine, and nothing is mailed (decided here: held mail is
// mostly unsolicited).
func (s *Service) RejectHeld(ctx context.Context, id int64, a Actor) error {
	if a.Kind == ActorCustomer {
		return Errorf(EFORBIDDEN, "only support staff can reject held mail")
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := s.heldWaiting(ctx, tx, id, a); err != nil {
			return err
		}
		return tx.SetHeldState(ctx, id, HeldRejected, s.now().UTC())
	})
}

// heldWaiting refuses a decision on held mail id that waits for none, or
// by an agent of another department.
func (s *Service) heldWaiting(ctx context.Context, tx Tx, id int64, a Actor) error {
	q, err := tx.HeldMail(ctx, id)
	if err != nil {
		return err
	}
	if q.State != HeldWaiting {
		return Errorf(ECONFLICT, "quarantined mail %d is not waiting for review (%s)", id, heldState(q.State))
	}
	return s.mayActIn(a, q.Department, fmt.Sprintf("held mail %d", id))
}

// heldState names a quarantined mail's review state for a refusal.
func heldState(s string) string {
	if s == "" {
		return "not held by the unknown-sender policy"
	}
	return s
}

// admit applies docs/rules.md §1 to a mail that is not automatic: an
// unknown sender meets the department's policy (done when it held or
// rejected the mail), a known one's language is learnt.
func (s *Service) admit(ctx context.Context, tx Tx, e *Email, sender string, p *Profile, auto bool, now time.Time) (*Receipt, bool, error) {
	switch {
	case auto:
		return nil, false, nil
	case p == nil:
		return s.unknownSender(ctx, tx, e, sender, now)
	}
	return nil, false, s.learnLanguage(ctx, tx, p, e)
}
