package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core/token"
)

// docs/rules.md §6: a delivery failure report marks an address bouncing
// only when it proves to be about a mail the gateway sent to that
// address. Anyone can write a report naming a customer's address; what a
// stranger cannot write is the signed return path of our mail to that
// customer (the report came back to it), nor guess the Message-ID of a
// mail we sent only to them.

// BounceLocal is the local part of the gateway's signed return path,
// BounceLocal+TOKEN@domain.
const BounceLocal = "bounces"

// BounceTokenValidity is how long a mail's return path and its record
// prove a report about it: delivery reports come within days (RFC 5321
// §4.5.4.1 gives up after four or five), so a month is ample. The sweep
// forgets older records.
const BounceTokenValidity = 30 * 24 * time.Hour

// maxBounceProofs bounds the addresses and Message-IDs of one report
// that are looked up.
const maxBounceProofs = 10

// SentMail is the record of one mail the gateway sent: its Message-ID and
// its one envelope recipient, kept for BounceTokenValidity.
type SentMail struct {
	ID        int64
	MessageID string
	Recipient string // lower case
	Ticket    int64  // 0 for mail about no ticket
	// Signed is set when the mail carried its signed return path: a report
	// about it then proves itself only by coming back to that address.
	Signed bool
	At     time.Time
}

// BounceTx is the part of Tx that keeps the records of sent mail.
type BounceTx interface {
	// RecordSent keeps m; it sets m.ID.
	RecordSent(ctx context.Context, m *SentMail) error
	// SentMail returns the record with id, or an *Error with code
	// ENOTFOUND.
	SentMail(ctx context.Context, id int64) (*SentMail, error)
	// SentMailByMessageID returns the record of the mail with this
	// Message-ID, or an *Error with code ENOTFOUND.
	SentMailByMessageID(ctx context.Context, messageID string) (*SentMail, error)
	// ForgetSent deletes the records older than before and says how many.
	ForgetSent(ctx context.Context, before time.Time) (int, error)
}

// enqueueMail writes the outbox row of one mail to one recipient, after
// recording what goes to whom; unless Options.UnsignedReturnPath, the
// mail's envelope sender is its own signed bounce address.
func (s *Service) enqueueMail(ctx context.Context, tx Tx, ticket int64, en EmailNotice, now time.Time) error {
	rcpt := en.Rcpt
	if rcpt == "" {
		rcpt = en.To.Addr
	}
	m := &SentMail{MessageID: en.MessageID, Recipient: NormalizeAddress(rcpt), Ticket: ticket,
		Signed: !s.unsignedReturnPath, At: now}
	if err := tx.RecordSent(ctx, m); err != nil {
		return err
	}
	if m.Signed {
		en.ReturnPath = BounceLocal + "+" + token.SignBounce(s.secret, m.ID) + "@" + s.domain
	}
	return enqueue(ctx, tx, OutboxEmail, ticket, en, now)
}

// bounceRecord returns the sent-mail record that addr, a signed bounce
// address of ours, names; ok is false for any other address.
func (s *Service) bounceRecord(addr string) (id int64, ok bool) {
	local, domain, found := strings.Cut(NormalizeAddress(addr), "@")
	if !found || domain != strings.ToLower(s.domain) {
		return 0, false
	}
	tok, found := strings.CutPrefix(local, BounceLocal+"+")
	if !found {
		return 0, false
	}
	id, err := token.VerifyBounce(s.secret, tok)
	return id, err == nil
}

// toBounceAddress reports whether e was addressed to our signed bounce
// address and to no department: mail to a return path is automatic by
// definition (RFC 5321 §4.5.5), an auto-responder's answer to our notice
// for one.
func (s *Service) toBounceAddress(e *Email) bool {
	rcpts := e.Envelope.Recipients
	if len(rcpts) == 0 {
		rcpts = e.DeliveredTo
	}
	if len(rcpts) == 0 {
		rcpts = e.Recipients()
	}
	bounce := false
	for _, r := range rcpts {
		if s.isOwnAddress(r) {
			return false
		}
		if _, ok := s.bounceRecord(r); ok {
			bounce = true
		}
	}
	return bounce
}

// bounceProof is one mail of ours that a report proved to be about.
type bounceProof struct {
	sent *SentMail
	// byToken: the report came back to the mail's signed return path,
	// which proves it is about that mail, whatever it names. Otherwise it
	// quoted the mail's Message-ID, which proves only its recipient.
	byToken bool
}

// bounceProofs finds the mails of ours that report e is about: those
// whose signed return path it was delivered to (the envelope recipient,
// Delivered-To, X-Original-To, To or Cc: over IMAP the envelope is only
// in the fields), else those, sent without a signed return path, whose
// Message-ID its returned message carries. why says why there is none.
func (s *Service) bounceProofs(ctx context.Context, tx Tx, e *Email, now time.Time) ([]bounceProof, string, error) {
	var proofs []bounceProof
	why := "it did not come back to a signed return path of ours, nor name a mail we sent"
	fresh := func(m *SentMail) bool { return now.Sub(m.At) <= BounceTokenValidity }
	seen := map[int64]bool{}
	var addrs []string
	addrs = append(addrs, e.Envelope.Recipients...)
	addrs = append(addrs, e.DeliveredTo...)
	for _, a := range append(append([]Address{}, e.To...), e.Cc...) {
		addrs = append(addrs, a.Addr)
	}
	for _, a := range addrs[:min(len(addrs), 3*maxBounceProofs)] {
		id, ok := s.bounceRecord(a)
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		m, err := tx.SentMail(ctx, id)
		switch {
		case ErrorCode(err) == ENOTFOUND, err == nil && !fresh(m):
			// Forgotten by the sweep, or about to be.
			why = fmt.Sprintf("its return path is older than %d days", int(BounceTokenValidity.Hours()/24))
		case err != nil:
			return nil, "", err
		default:
			proofs = append(proofs, bounceProof{sent: m, byToken: true})
		}
	}
	if len(proofs) > 0 || e.Bounce == nil {
		return proofs, why, nil
	}
	for _, id := range e.Bounce.MessageIDs[:min(len(e.Bounce.MessageIDs), maxBounceProofs)] {
		m, err := tx.SentMailByMessageID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		switch {
		case !fresh(m):
			why = fmt.Sprintf("the mail it names is older than %d days", int(BounceTokenValidity.Hours()/24))
		case m.Signed:
			// A real report of that mail goes to its return path; a
			// copy of its Message-ID may be in other people's hands
			// (the References of later notices on the ticket).
			why = fmt.Sprintf("the mail it names, <%s>, had a signed return path, and the report did not come back to it", id)
		default:
			proofs = append(proofs, bounceProof{sent: m})
		}
	}
	return proofs, why, nil
}

// failureOf is the permanent failure that report b gives for the mail of
// proof p, if any: the entry naming the mail's recipient; for a report
// that came back to the mail's return path, which is about that mail
// whatever address it names (a forward's), the first permanent entry
// when none names it.
func failureOf(b *Bounce, p bounceProof) (BouncedRecipient, bool) {
	if b == nil {
		return BouncedRecipient{}, false
	}
	for _, r := range b.Recipients {
		if NormalizeAddress(r.Addr) == p.sent.Recipient {
			return r, r.Permanent
		}
	}
	if p.byToken {
		for _, r := range b.Recipients {
			if r.Permanent {
				return r, true
			}
		}
	}
	return BouncedRecipient{}, false
}

// bounce handles a delivery failure report proved to be about proofs,
// mail we sent (docs/rules.md §6): each recipient whose delivery failed
// for good is marked bouncing if it is a profile, and not mailed until it
// writes again; the department is told in Slack; the report is stored as
// automatic mail on the ticket of the mail it is about (or on none). It
// opens nothing and answers nothing.
func (s *Service) bounce(ctx context.Context, tx Tx, e *Email, proofs []bounceProof, now time.Time) (*Receipt, error) {
	var ticket *Ticket
	var marked []string
	for _, p := range proofs {
		if ticket == nil && p.sent.Ticket != 0 {
			t, err := tx.Ticket(ctx, p.sent.Ticket)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return nil, err
			}
			ticket = t
		}
		r, failed := failureOf(e.Bounce, p)
		if !failed {
			continue
		}
		prof, err := tx.ProfileByEmail(ctx, p.sent.Recipient)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		prof.BouncingSince, prof.BounceStatus = now, r.Status
		if err := tx.UpdateProfile(ctx, prof); err != nil {
			return nil, err
		}
		desc := prof.Email
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

// forgetSent deletes the records of sent mail that can no longer prove
// a report (BounceTokenValidity).
func (s *Service) forgetSent(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.store.Tx(ctx, func(tx Tx) (err error) {
		n, err = tx.ForgetSent(ctx, now.Add(-BounceTokenValidity))
		return err
	})
	return n, err
}

// receiveBounce handles e when it is a delivery failure report proved to
// be about our mail (docs/rules.md §6) and returns its receipt. For a
// report without proof it returns no receipt but the AutoReason it is
// stored with, as automatic mail that changes nothing.
func (s *Service) receiveBounce(ctx context.Context, tx Tx, e *Email, now time.Time) (*Receipt, string, error) {
	if e.Bounce == nil {
		return nil, "", nil
	}
	proofs, why, err := s.bounceProofs(ctx, tx, e, now)
	if err != nil {
		return nil, "", err
	}
	if len(proofs) > 0 {
		rc, err := s.bounce(ctx, tx, e, proofs, now)
		return rc, "", err
	}
	s.log.Info("bounce not proven: stored as automatic mail", "message_id", e.MessageID, "from", e.From.Addr, "why", why)
	return nil, e.AutoReason + "; not proven, nothing marked: " + why, nil
}
