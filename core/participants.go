package core

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Participant roles, as `ticket show --json` names them (DESIGN.md).
const (
	RoleRequester   = "requester"   // the profile that opened the ticket
	RoleParticipant = "participant" // someone else copied on it
)

// Caps on participants (docs/rules.md §1): a hostile or careless sender
// cannot turn a ticket into a mailing list.
const (
	// MaxParticipants is how many participants a ticket may have,
	// besides its requester.
	MaxParticipants = 20
	// MaxParticipantsPerMail is how many new participants one mail's To
	// and Cc may add.
	MaxParticipantsPerMail = 10
)

// Participant is a person copied on a ticket besides its requester
// (docs/rules.md §1). A participant need not be a profile of the
// ticket's account, nor a profile at all.
type Participant struct {
	ID        int64
	Ticket    int64
	Email     string // lower case
	Name      string
	AddedBy   string // who added them: an address, an agent id, "admin"
	CreatedAt time.Time
}

// ParticipantTx is the part of Tx that keeps participants.
type ParticipantTx interface {
	// Participants returns the ticket's participants, oldest first.
	Participants(ctx context.Context, ticket int64) ([]Participant, error)
	// AddParticipant stores p and sets p.ID; an *Error with code
	// ECONFLICT when the address is a participant already.
	AddParticipant(ctx context.Context, p *Participant) error
	// RemoveParticipant removes the address from the ticket; an *Error
	// with code ENOTFOUND when it is no participant.
	RemoveParticipant(ctx context.Context, ticket int64, email string) error
}

// participants returns the ticket's participants, oldest first.
func participants(ctx context.Context, tx Tx, ticket int64) ([]Participant, error) {
	return tx.Participants(ctx, ticket)
}

// participantOf returns the participant of the ticket with this
// address, or nil.
func participantOf(ctx context.Context, tx Tx, ticket int64, addr string) (*Participant, error) {
	ps, err := participants(ctx, tx, ticket)
	if err != nil {
		return nil, err
	}
	addr = NormalizeAddress(addr)
	for i := range ps {
		if ps[i].Email == addr {
			return &ps[i], nil
		}
	}
	return nil, nil
}

// addParticipant adds addr to the ticket, unless it is the requester's,
// one of the gateway's own, or a participant already (then it returns
// false and no error). Over MaxParticipants it is an EFORBIDDEN error.
func (s *Service) addParticipant(ctx context.Context, tx Tx, t *Ticket, a Address, by string, now time.Time) (bool, error) {
	addr := NormalizeAddress(a.Addr)
	if addr == "" || s.AcceptsRecipient(addr) {
		return false, nil
	}
	req, err := tx.Profile(ctx, t.ProfileID)
	if err != nil {
		return false, err
	}
	if req.Email == addr {
		return false, nil
	}
	ps, err := tx.Participants(ctx, t.Number)
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(ps, func(p Participant) bool { return p.Email == addr }) {
		return false, nil
	}
	if len(ps) >= MaxParticipants {
		return false, Errorf(EFORBIDDEN, "ticket #%d has %d participants, the most allowed", t.Number, MaxParticipants)
	}
	p := &Participant{Ticket: t.Number, Email: addr, Name: strings.TrimSpace(a.Name), AddedBy: by, CreatedAt: now}
	if err := tx.AddParticipant(ctx, p); err != nil {
		return false, err
	}
	return true, nil
}

// addCopied makes the people a customer's mail was addressed to
// participants (copyRecipients) and says in the ticket's thread what was
// added or left out.
func (s *Service) addCopied(ctx context.Context, tx Tx, t *Ticket, e *Email, sender string, now time.Time) ([]string, error) {
	added, skipped, err := s.copyRecipients(ctx, tx, t, e, sender, now)
	if err != nil || len(added) == 0 && skipped == 0 {
		return added, err
	}
	event := ""
	if len(added) > 0 {
		event = "participants added from the mail's To and Cc: " + strings.Join(added, ", ")
	}
	if skipped > 0 {
		event = strings.TrimPrefix(event+fmt.Sprintf("; %d more addresses not added (at most %d per mail, %d per ticket)",
			skipped, MaxParticipantsPerMail, MaxParticipants), "; ")
	}
	return added, s.notifyChange(ctx, tx, t, event, now)
}

// copyRecipients makes the people a customer's mail was addressed to (To
// and Cc, except the sender, the requester and the gateway's own
// addresses) participants of the ticket, at most MaxParticipantsPerMail
// of them per mail and MaxParticipants in all (docs/rules.md §1). It
// returns the addresses added and how many were left out.
func (s *Service) copyRecipients(ctx context.Context, tx Tx, t *Ticket, e *Email, sender string, now time.Time) ([]string, int, error) {
	var added []string
	skipped := 0
	for _, a := range append(append([]Address{}, e.To...), e.Cc...) {
		if NormalizeAddress(a.Addr) == sender {
			continue
		}
		if len(added) >= MaxParticipantsPerMail {
			skipped++
			continue
		}
		ok, err := s.addParticipant(ctx, tx, t, a, sender, now)
		if ErrorCode(err) == EFORBIDDEN {
			skipped++
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		if ok {
			added = append(added, NormalizeAddress(a.Addr))
		}
	}
	if skipped > 0 {
		s.log.Info("participants not added: over the limit", "ticket", t.Number, "from", sender, "skipped", skipped)
	}
	return added, skipped, nil
}

// ccAction adds or removes a participant: `cc add|remove EMAIL`
// (docs/rules.md §1). The requester cannot be removed; the gateway's own
// addresses cannot be added.
func (s *Service) ccAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	addr, err := ccAddress(args[1])
	if err != nil {
		return "", err
	}
	switch strings.ToLower(args[0]) {
	case "add":
		if t.Status == StatusClosed {
			return "", Errorf(ECONFLICT, "ticket #%d is closed", t.Number)
		}
		if s.AcceptsRecipient(addr) {
			return "", Errorf(EINVALID, "%s is the helpdesk's own address", addr)
		}
		ok, err := s.addParticipant(ctx, tx, t, Address{Addr: addr}, a.ID, now)
		if err != nil {
			return "", err
		}
		if !ok {
			return fmt.Sprintf("%s is on ticket #%d already", addr, t.Number), nil
		}
		if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("cc: %s added by %s", addr, a), now); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s is now copied on ticket #%d", addr, t.Number), nil
	case "remove":
		if err := tx.RemoveParticipant(ctx, t.Number, addr); err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return "", Errorf(ENOTFOUND, "%s is not a participant of ticket #%d", addr, t.Number)
			}
			return "", err
		}
		if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("cc: %s removed by %s", addr, a), now); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s is no longer copied on ticket #%d", addr, t.Number), nil
	}
	return "", Errorf(EINVALID, "usage: cc add|remove EMAIL")
}

// ccAddress reads the address of a cc action: plain, in angle brackets,
// or as Slack writes a mail address (<mailto:x@y|x@y>).
func ccAddress(arg string) (string, error) {
	s := strings.TrimSpace(arg)
	if strings.HasPrefix(s, "<mailto:") && strings.HasSuffix(s, ">") {
		s, _, _ = strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, "<mailto:"), ">"), "|")
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	p, err := mail.ParseAddress("<" + s + ">")
	if err != nil || p.Address != s || !strings.Contains(s, "@") {
		return "", Errorf(EINVALID, "%q is not a mail address", arg)
	}
	return NormalizeAddress(s), nil
}

// participantRefusal says why a sender outside the ticket's account may
// not reach it, or "" when they are a participant and the ticket is open
// (docs/rules.md §6). A participant from outside the account cannot
// reopen a ticket, so a closed one is refused: their mail goes on as
// fresh mail of their own.
func (s *Service) participantRefusal(ctx context.Context, tx Tx, t *Ticket, sender string) (string, error) {
	p, err := participantOf(ctx, tx, t.Number, sender)
	if err != nil {
		return "", err
	}
	if p == nil {
		return "the sender is of another account and no participant", nil
	}
	if t.Status == StatusClosed {
		return "it is closed, and the sender is a participant from outside its account", nil
	}
	return "", nil
}

// cardPeople lists the ticket's participants on its Slack card.
func (s *Service) cardPeople(ctx context.Context, tx Tx, t *Ticket, p *SlackPost) error {
	ps, err := participants(ctx, tx, t.Number)
	if err != nil {
		return err
	}
	p.Participants = nil
	for _, pt := range ps {
		p.Participants = append(p.Participants, pt.Email)
	}
	// The card shows the tags too, and every card is built here.
	p.Tags, err = tx.Tags(ctx, t.Number)
	return err
}

// senderActor is who a customer's mail acts as: a customer when the
// sender is a profile of the ticket's account (or opens a ticket), else
// a participant from outside the account, who writes to the ticket but
// runs none of the account's commands (docs/rules.md §1).
func senderActor(e *Email, sender string, p *Profile, t *Ticket) Actor {
	a := Actor{Kind: ActorCustomer, ID: sender, Name: e.From.Name, Profile: p}
	if t != nil && (p == nil || p.AccountID != t.AccountID) {
		a.Kind = ActorParticipant
	}
	return a
}
