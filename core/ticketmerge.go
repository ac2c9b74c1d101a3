package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// docs/rules.md §2: a ticket merged into another about the same problem.

// TicketMergeTx is the part of Tx that merges tickets.
type TicketMergeTx interface {
	// MergedInto returns the ticket that ticket was merged into, 0 when
	// it was not merged.
	MergedInto(ctx context.Context, ticket int64) (int64, error)
	// MergeTicket moves the messages, their attachments and Message-IDs,
	// and the tasks of from into into, drops from's participants, and
	// records the merge.
	MergeTicket(ctx context.Context, from, into int64, by string, at time.Time) error
}

// maxMergeChain bounds how far a merged ticket's survivor is followed:
// each merge needs an open survivor, so a chain is at most as long as
// the merges made, and a loop (which the refusals rule out) cannot hang.
const maxMergeChain = 64

// survivor returns the ticket that holds number's conversation: number
// itself, or the end of its chain of merges (N→M→K gives K).
func survivor(ctx context.Context, tx Tx, number int64) (int64, error) {
	for range maxMergeChain {
		into, err := tx.MergedInto(ctx, number)
		if err != nil || into == 0 {
			return number, err
		}
		number = into
	}
	return 0, Errorf(ECONFLICT, "ticket #%d is merged through more than %d tickets", number, maxMergeChain)
}

// mergedRefusal refuses an action on a ticket merged into another:
// its conversation lives on the survivor.
func mergedRefusal(ctx context.Context, tx Tx, t *Ticket) error {
	into, err := tx.MergedInto(ctx, t.Number)
	if err != nil || into == 0 {
		return err
	}
	last, err := survivor(ctx, tx, into)
	if err != nil {
		return err
	}
	return Errorf(ECONFLICT, "ticket #%d was merged into #%d; act on #%d", t.Number, last, last)
}

func (s *Service) mergeAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	into, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
	if err != nil || into <= 0 {
		return "", Errorf(EINVALID, "%q is no ticket number; usage: merge #M", args[0])
	}
	return s.merge(ctx, tx, t, a, into, now)
}

// mayMergeTickets refuses a merge of t into m that would lose or mix
// something: into itself, into a closed or merged ticket, across
// accounts, or while an answer of t waits for the customer's decision.
func mayMergeTickets(ctx context.Context, tx Tx, t, m *Ticket) error {
	switch {
	case t.Number == m.Number:
		return Errorf(EINVALID, "cannot merge ticket #%d into itself", t.Number)
	case t.Status == StatusClosed:
		return Errorf(ECONFLICT, "ticket #%d is closed; reopen it to merge it", t.Number)
	case t.Hold != "":
		return Errorf(ECONFLICT, "an answer of ticket #%d waits for the customer (%s); it cannot be merged until that is decided", t.Number, t.Hold)
	case t.AccountID != m.AccountID:
		return Errorf(EINVALID, "tickets #%d and #%d belong to different accounts; merge the accounts first, or copy the person with cc add", t.Number, m.Number)
	}
	into, err := tx.MergedInto(ctx, m.Number)
	if err != nil {
		return err
	}
	if into != 0 {
		last, err := survivor(ctx, tx, into)
		if err != nil {
			return err
		}
		return Errorf(ECONFLICT, "ticket #%d was merged into #%d; merge into that one", m.Number, last)
	}
	if m.Status == StatusClosed {
		return Errorf(ECONFLICT, "ticket #%d is closed; reopen it, or merge it into #%d instead", m.Number, t.Number)
	}
	return nil
}

// merge moves t's conversation into ticket into and closes t pointing to
// it. Its people join into's participants; the customer is told once,
// by a notice of the survivor; the ledger is not touched, so a charge
// stays on the ticket it was made for.
func (s *Service) merge(ctx context.Context, tx Tx, t *Ticket, a Actor, into int64, now time.Time) (string, error) {
	m, err := tx.Ticket(ctx, into)
	if ErrorCode(err) == ENOTFOUND {
		return "", Errorf(ENOTFOUND, "there is no ticket #%d", into)
	}
	if err != nil {
		return "", err
	}
	if err := mayMergeTickets(ctx, tx, t, m); err != nil {
		return "", err
	}
	if err := s.mayActIn(a, m.Department, fmt.Sprintf("ticket #%d", m.Number)); err != nil {
		return "", err
	}
	if err := s.mergePeople(ctx, tx, t, m, a, now); err != nil {
		return "", err
	}
	if err := tx.MergeTicket(ctx, t.Number, m.Number, a.String(), now); err != nil {
		return "", err
	}
	// The merge notice tells the customer; a closing notice too would
	// say it twice.
	if err := s.moveStatus(t, StatusClosed, Actor{Kind: ActorAgent, ID: a.ID}, now); err != nil {
		return "", err
	}
	if t.AwaitingReply && !m.AwaitingReply {
		// The customer waiting on t now waits on m.
		s.startClock(m, now)
	}
	t.AwaitingReply, t.Solved = false, false
	m.UpdatedAt = now
	if _, err := s.emailCustomer(ctx, tx, m, TemplateMerged, Notice{MergedFrom: t.Number}, now); err != nil {
		return "", err
	}
	if err := s.notifyChange(ctx, tx, m, fmt.Sprintf("ticket #%d merged into this one by %s", t.Number, a), now); err != nil {
		return "", err
	}
	if err := tx.UpdateTicket(ctx, m); err != nil {
		return "", err
	}
	if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("merged into #%d by %s; closed", m.Number, a), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d merged into #%d", t.Number, m.Number), nil
}

// mergePeople makes t's requester and participants participants of m,
// so that they are copied on its mail and their replies are taken.
func (s *Service) mergePeople(ctx context.Context, tx Tx, t, m *Ticket, a Actor, now time.Time) error {
	var emails []string
	if t.ProfileID != m.ProfileID {
		p, err := tx.Profile(ctx, t.ProfileID)
		if err != nil {
			return err
		}
		emails = append(emails, p.Email)
	}
	ps, err := tx.Participants(ctx, t.Number)
	if err != nil {
		return err
	}
	for _, p := range ps {
		emails = append(emails, p.Email)
	}
	req, err := tx.Profile(ctx, m.ProfileID)
	if err != nil {
		return err
	}
	for _, e := range emails {
		if NormalizeAddress(e) == NormalizeAddress(req.Email) {
			continue
		}
		err := tx.AddParticipant(ctx, &Participant{Ticket: m.Number, Email: NormalizeAddress(e), AddedBy: a.String(), CreatedAt: now})
		if err != nil && ErrorCode(err) != ECONFLICT {
			return err
		}
	}
	return nil
}
