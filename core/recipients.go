package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core/token"
)

// recipient is one person a notice is mailed to.
type recipient struct {
	Addr, Name string
	// Profile is set for a profile of the ticket's account, Participant
	// for anyone else copied on it; the reply token names the one set.
	Profile, Participant int64
	Bouncing             bool // a profile whose address bounced (docs/rules.md §1)
	// BouncedAt and BounceStatus say when and how, for the agent told
	// that an answer was not mailed.
	BouncedAt    time.Time
	BounceStatus string
	// Quiet is a profile that switched notifications off (docs/rules.md
	// §1); Lang the language its notices are written in.
	Quiet bool
	Lang  string
}

// thread is how a notice threads into the customer's mail.
type thread struct {
	InReplyTo  string
	References []string
}

// copiedOn reports whether a notice goes to the ticket's participants
// as well as its requester (docs/rules.md §6): acknowledgments, staff
// answers and status notices do. The results of commands answer their
// sender; a charge to confirm and a split concern the requester.
func copiedOn(template string) bool {
	switch template {
	case TemplateAck, TemplateReply, TemplateStatus, TemplateMerged:
		return true
	}
	return false
}

// audience returns the ticket's requester and, when all is set, its
// participants.
func (s *Service) audience(ctx context.Context, tx Tx, t *Ticket, all bool) (recipient, []recipient, error) {
	p, err := tx.Profile(ctx, t.ProfileID)
	if err != nil {
		return recipient{}, nil, err
	}
	to := recipient{Addr: p.Email, Name: p.Name, Profile: p.ID, Bouncing: !p.BouncingSince.IsZero(),
		BouncedAt: p.BouncingSince, BounceStatus: p.BounceStatus,
		Quiet: p.NotificationsOff, Lang: s.languageOf(p, t.Department)}
	if !all {
		return to, nil, nil
	}
	ps, err := participants(ctx, tx, t.Number)
	if err != nil {
		return recipient{}, nil, err
	}
	var cc []recipient
	for _, pt := range ps {
		r := recipient{Addr: pt.Email, Name: pt.Name, Participant: pt.ID, Lang: s.languageOf(nil, t.Department)}
		prof, err := tx.ProfileByEmail(ctx, pt.Email)
		switch {
		case err == nil:
			r.Bouncing = !prof.BouncingSince.IsZero()
			r.BouncedAt, r.BounceStatus = prof.BouncingSince, prof.BounceStatus
			r.Quiet, r.Lang = prof.NotificationsOff, s.languageOf(prof, t.Department)
			if r.Name == "" {
				r.Name = prof.Name
			}
			if prof.AccountID == t.AccountID {
				r.Profile, r.Participant = prof.ID, 0
			}
		case ErrorCode(err) != ENOTFOUND:
			return recipient{}, nil, err
		}
		cc = append(cc, r)
	}
	return to, cc, nil
}

// tokenFor signs the reply token of a recipient: it names the profile,
// or else the participant (docs/rules.md §6).
func (s *Service) tokenFor(ticket int64, r recipient) string {
	if r.Profile == 0 && r.Participant != 0 {
		return token.SignParticipant(s.secret, ticket, r.Participant)
	}
	return token.Sign(s.secret, ticket, r.Profile)
}

// mailing is what mailCopies wrote: the Message-ID of the first copy,
// "" when none was, and the people it did not mail, with why.
type mailing struct {
	first   string
	skipped []skippedCopy
}

// skippedCopy is a recipient mailCopies did not mail.
type skippedCopy struct {
	addr, why string
	bouncing  bool
}

// mailCopies writes one mail per recipient, to and then each of cc, all
// showing to in To and cc in Cc like a list's mail, each with the
// recipient's own signed Reply-To and footer reference and its own
// Message-ID, indexed so a reply to any copy threads back. A bouncing
// address, and one over the loop guard's limit, is skipped, and so is one
// with notifications off for the notices that heeds.
func (s *Service) mailCopies(ctx context.Context, tx Tx, t *Ticket, template string, n Notice, th thread,
	to recipient, cc []recipient, now time.Time) (mailing, error) {
	var header []Address
	for _, r := range cc {
		header = append(header, Address{Name: r.Name, Addr: r.Addr})
	}
	var out mailing
	for i, r := range append([]recipient{to}, cc...) {
		if r.Bouncing {
			// docs/rules.md §1: a bouncing address is not mailed until cleared.
			s.log.Info("not mailed: address is bouncing", "ticket", t.Number, "template", template, "to", r.Addr)
			out.skipped = append(out.skipped, skippedCopy{addr: r.Addr, why: bounceNote(r), bouncing: true})
			continue
		}
		if r.Quiet && quietTemplate(template) {
			out.skipped = append(out.skipped, skippedCopy{addr: r.Addr, why: "notifications off"})
			continue
		}
		if ok, err := s.mayMail(ctx, tx, t, r.Addr, template, now); err != nil {
			return mailing{}, err
		} else if !ok {
			out.skipped = append(out.skipped, skippedCopy{addr: r.Addr, why: "over the mail loop guard's limit"})
			continue
		}
		tok := s.tokenFor(t.Number, r)
		data := n
		data.Number, data.Subject = t.Number, t.Subject
		if data.Name == "" || i > 0 {
			data.Name = r.Name
		}
		data.Ref = fmt.Sprintf("T%d-%s", t.Number, strings.ToUpper(tok))
		data.Lang = r.Lang
		en := EmailNotice{
			Template:   template,
			MessageID:  s.newMessageID(t.Number),
			To:         Address{Name: to.Name, Addr: to.Addr},
			Cc:         header,
			ReplyTo:    s.replyAddress(t.Department, tok),
			Subject:    fmt.Sprintf("[#%d] %s", t.Number, t.Subject),
			InReplyTo:  th.InReplyTo,
			References: th.References,
			Data:       data,
		}
		if i > 0 {
			en.Rcpt = r.Addr
		}
		en = s.limits.BoundNotice(en)
		if err := tx.IndexSent(ctx, en.MessageID, t.Number); err != nil {
			return mailing{}, err
		}
		if err := s.enqueueMail(ctx, tx, t.Number, en, now); err != nil {
			return mailing{}, err
		}
		if out.first == "" {
			out.first = en.MessageID
		}
	}
	return out, nil
}

// bounceNote says since when and how r's address bounces.
func bounceNote(r recipient) string {
	why := "bouncing since " + r.BouncedAt.UTC().Format("2006-01-02")
	if r.BounceStatus != "" {
		why += ", " + r.BounceStatus
	}
	return why
}

// answerSender mails a notice that answers the actor's own mail (the
// results of their commands) to them alone, whoever of the ticket's
// people they are.
func (s *Service) answerSender(ctx context.Context, tx Tx, t *Ticket, a Actor, template string, n Notice, now time.Time) (mailing, error) {
	r := recipient{Addr: NormalizeAddress(a.ID), Name: a.Name, Lang: s.languageOf(a.Profile, t.Department)}
	if a.Profile != nil {
		r.Name = a.Profile.Name
		if a.Profile.AccountID == t.AccountID {
			r.Profile = a.Profile.ID
		}
	}
	if r.Name == "" {
		r.Name = a.Name
	}
	if r.Profile == 0 {
		p, err := participantOf(ctx, tx, t.Number, r.Addr)
		if err != nil {
			return mailing{}, err
		}
		if p == nil {
			// The requester of a ticket opened just now by a new account.
			to, _, err := s.audience(ctx, tx, t, false)
			if err != nil {
				return mailing{}, err
			}
			if to.Addr != r.Addr {
				return mailing{}, Errorf(EINTERNAL, "%s is none of ticket #%d's people", r.Addr, t.Number)
			}
			r.Profile, r.Lang, r.Quiet = to.Profile, to.Lang, to.Quiet
		} else {
			r.Participant = p.ID
		}
	}
	th, err := s.threadOf(ctx, tx, t)
	if err != nil {
		return mailing{}, err
	}
	return s.mailCopies(ctx, tx, t, template, n, th, r, nil, now)
}

// threadOf threads a notice after the ticket's recent mail.
func (s *Service) threadOf(ctx context.Context, tx Tx, t *Ticket) (thread, error) {
	ids, err := tx.ThreadMessageIDs(ctx, t.Number, 10)
	if err != nil {
		return thread{}, err
	}
	th := thread{References: ids}
	if len(ids) > 0 {
		th.InReplyTo = ids[len(ids)-1]
	}
	return th, nil
}
