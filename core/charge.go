package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// docs/rules.md §5, the flow: an agent assesses a ticket in a category; a
// pre-agreed ticket is charged with the answer; otherwise category 1 is
// charged at once, and category 2 or 3 first asks the customer, holding
// the staff answer until #confirm (or #decline, which closes the ticket).
// Too few credits hold the answer too. A ticket is charged once, for its
// category: re-categorising charges or refunds the difference.

// Why bill runs.
const (
	billCategorised = iota // an agent set the category
	billAnswer             // an agent's answer is about to go out
	billConfirmed          // the customer confirmed the cost
)

// setCategory is the agent's `category 1|2|3`.
func (s *Service) setCategory(ctx context.Context, tx Tx, t *Ticket, a Actor, arg string, now time.Time) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(arg))
	if err != nil || n < 1 || n > 3 {
		return "", Errorf(EINVALID, "%q is not a category (1, 2 or 3)", arg)
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed; reopen it first", t.Number)
	}
	if cc, err := askedCharge(ctx, tx, t); err != nil {
		return "", err
	} else if cc != nil {
		return "", Errorf(ECONFLICT, "a custom charge of ticket #%d waits for the customer; assess it once that is decided", t.Number)
	}
	cost := s.rules.Credits.Cost(n)
	if t.Category == n {
		return fmt.Sprintf("ticket #%d is category %d (%d credits) already", t.Number, n, cost), nil
	}
	from := t.Category
	t.Category, t.UpdatedAt = n, now
	what, err := s.bill(ctx, tx, t, a, billCategorised, now)
	if err != nil {
		return "", err
	}
	res := fmt.Sprintf("ticket #%d is category %d (%d credits)", t.Number, n, cost)
	if from != 0 {
		res = fmt.Sprintf("ticket #%d is category %d (%d credits), was %d", t.Number, n, cost, from)
	}
	if what != "" {
		res += ": " + what
	}
	if err := s.notifyChange(ctx, tx, t, res+" (by "+a.String()+")", now); err != nil {
		return "", err
	}
	return res, nil
}

// bill brings the ticket's charge to its category's cost as far as the
// rules allow now, and says what it did ("" for nothing). It sets t.Hold
// when answers must wait and releases the held answers when they no
// longer must. Only for billConfirmed does too few credits return an
// error (code ECREDITS), and then nothing changed.
func (s *Service) bill(ctx context.Context, tx Tx, t *Ticket, a Actor, why int, now time.Time) (string, error) {
	if t.Category == 0 {
		return "", nil
	}
	cost := s.rules.Credits.Cost(t.Category)
	due := cost - t.Charged
	switch {
	case due < 0:
		if err := s.refund(ctx, tx, t, a, -due, now); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d credits refunded", -due), s.unhold(ctx, tx, t, now)
	case due == 0:
		return "", s.unhold(ctx, tx, t, now)
	}

	// Category 1 on a ticket not yet charged needs no confirmation; a
	// higher category, or a rise, does unless the ticket is pre-agreed.
	if !t.Preagreed && !(t.Category == 1 && t.Charged == 0) && why != billConfirmed {
		if t.Hold == HoldConfirmation && why == billAnswer {
			return fmt.Sprintf("waiting for the customer to confirm %d credits", due), nil
		}
		t.Hold = HoldConfirmation
		if err := s.creditsNotice(ctx, tx, t, HoldConfirmation, due, now); err != nil {
			return "", err
		}
		return fmt.Sprintf("the customer is asked to confirm %d credits; answers wait until then", due), nil
	}
	// A pre-agreed ticket is charged with its answer.
	if t.Preagreed && why == billCategorised && !t.Answered && t.Hold == "" {
		return fmt.Sprintf("%d credits will be charged with the answer", due), nil
	}

	kind, reason := CreditCharge, fmt.Sprintf("ticket #%d, category %d", t.Number, t.Category)
	if t.Charged > 0 {
		kind, reason = CreditAdjustment, fmt.Sprintf("ticket #%d re-categorised to %d", t.Number, t.Category)
	}
	e, _, err := s.debit(ctx, tx, LedgerEntry{AccountID: t.AccountID, Kind: kind, Ticket: t.Number, By: a.ID, Reason: reason}, due, now)
	if ErrorCode(err) == ECREDITS {
		_, balance, berr := s.spendable(ctx, tx, t.AccountID, now)
		if berr != nil {
			return "", berr
		}
		if why == billConfirmed {
			return "", &Error{Code: ECREDITS, Message: fmt.Sprintf(
				"the account has %d credits and ticket #%d needs %d; packages: %s. Once credits are added, reply with #confirm again",
				balance, t.Number, due, s.packageList())}
		}
		if t.Hold != HoldCredits {
			t.Hold = HoldCredits
			if err := s.creditsNotice(ctx, tx, t, HoldCredits, due, now); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("too few credits (%d, %d needed): nothing is charged and answers wait", balance, due), nil
	}
	if err != nil {
		return "", err
	}
	t.Charged += due
	return fmt.Sprintf("%d credits charged, %d left", due, e.Balance), s.unhold(ctx, tx, t, now)
}

// refund gives n of the ticket's charged credits back to the lots they
// came from, the lot that expires last first; a lot that expired since
// is written off again at once.
func (s *Service) refund(ctx context.Context, tx Tx, t *Ticket, a Actor, n int, now time.Time) error {
	spends, err := tx.TicketSpends(ctx, t.Number)
	if err != nil {
		return err
	}
	p := &Posting{Entry: LedgerEntry{AccountID: t.AccountID, Kind: CreditRefund, Amount: n, Ticket: t.Number, By: a.ID, At: now,
		Reason: fmt.Sprintf("ticket #%d re-categorised to %d", t.Number, t.Category)}}
	left := n
	for _, sp := range spends {
		if left == 0 {
			break
		}
		c := min(left, sp.Credits)
		p.Spends = append(p.Spends, Spend{Lot: sp.Lot, Credits: -c, ExpiresAt: sp.ExpiresAt})
		left -= c
	}
	if left > 0 {
		return fmt.Errorf("refund ticket %d: its charges cover %d of %d credits", t.Number, n-left, n)
	}
	if err := post(ctx, tx, p); err != nil {
		return err
	}
	t.Charged -= n
	_, _, err = s.spendable(ctx, tx, t.AccountID, now)
	return err
}

// unhold ends the wait and mails the held answers, oldest first.
func (s *Service) unhold(ctx context.Context, tx Tx, t *Ticket, now time.Time) error {
	if t.Hold == "" {
		return nil
	}
	t.Hold = ""
	held, err := tx.HeldAnswers(ctx, t.Number)
	if err != nil {
		return err
	}
	for _, h := range held {
		a := Actor{Kind: ActorAgent, ID: h.Agent, Name: h.AgentName}
		files, err := tx.HeldFiles(ctx, h.ID)
		if err != nil {
			return err
		}
		if _, err := s.staffMessage(withMailFiles(ctx, files), tx, t, a, false, h.Text, now); err != nil {
			return err
		}
		if err := tx.EndHeldAnswer(ctx, h.ID, "released", now); err != nil {
			return err
		}
		t.Answered = true
	}
	return nil
}

// answer is the agent's `reply`: mailed at once, or held while the
// ticket's charge waits (docs/rules.md §5).
func (s *Service) answer(ctx context.Context, tx Tx, t *Ticket, a Actor, text string, now time.Time) (string, error) {
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed; reopen it first", t.Number)
	}
	var what string
	if t.Hold == "" {
		var err error
		if what, err = s.bill(ctx, tx, t, a, billAnswer, now); err != nil {
			return "", err
		}
	}
	if t.Hold != "" {
		return s.holdAnswer(ctx, tx, t, a, text, now)
	}
	res, err := s.staffMessage(ctx, tx, t, a, false, text, now)
	if err != nil {
		return "", err
	}
	t.Answered = true
	if what != "" {
		res += "; " + what
		if err := s.notifyChange(ctx, tx, t, what, now); err != nil {
			return "", err
		}
	}
	return res, nil
}

// holdAnswer stores an answer that waits. The ball is in the customer's
// court, so the first-response clock stops as for a mailed answer.
func (s *Service) holdAnswer(ctx context.Context, tx Tx, t *Ticket, a Actor, text string, now time.Time) (string, error) {
	h := &HeldAnswer{Ticket: t.Number, Agent: a.ID, AgentName: a.Name, Text: text, CreatedAt: now}
	if err := tx.HoldAnswer(ctx, h); err != nil {
		return "", err
	}
	// The answer's files go with it when it goes (docs/rules.md §7).
	if err := tx.HoldFiles(ctx, h.ID, mailFilesOf(ctx)); err != nil {
		return "", err
	}
	s.stopClock(t, now)
	t.UpdatedAt = now
	if t.Assignee == "" {
		t.Assignee = a.ID
	}
	why := fmt.Sprintf("the customer's confirmation of %d credits", s.rules.Credits.Cost(t.Category)-t.Charged)
	if t.Hold == HoldCredits {
		why = "credits: the account has too few"
	}
	res := fmt.Sprintf("answer held on ticket #%d until %s", t.Number, why)
	if err := s.notifyChange(ctx, tx, t, res+" (by "+a.String()+")", now); err != nil {
		return "", err
	}
	return res, nil
}

// confirm is the customer's #confirm.
func (s *Service) confirm(ctx context.Context, tx Tx, t *Ticket, a Actor, now time.Time) (string, error) {
	if a.Kind != ActorCustomer {
		return "", Errorf(EFORBIDDEN, "only the customer confirms a charge")
	}
	if t.Hold == "" {
		return "", Errorf(ECONFLICT, "no charge is waiting for a decision on ticket #%d", t.Number)
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed", t.Number)
	}
	held := t.Hold
	custom, err := s.confirmCustom(ctx, tx, t, now)
	if err != nil {
		return "", err
	}
	what, err := s.bill(ctx, tx, t, a, billConfirmed, now)
	if err != nil {
		return "", err
	}
	if custom != "" {
		// bill has nothing to release when no category is due.
		if err := s.unhold(ctx, tx, t, now); err != nil {
			return "", err
		}
		what = strings.TrimPrefix(strings.Join([]string{custom, what}, "; "), "; ")
		what = strings.TrimSuffix(what, "; ")
	}
	t.UpdatedAt = now
	if err := s.notifyChange(ctx, tx, t, "the customer confirmed the charge: "+what, now); err != nil {
		return "", err
	}
	if held == HoldCredits {
		return fmt.Sprintf("thank you: %s; the answers that waited are on their way", what), nil
	}
	return fmt.Sprintf("thank you: %s; our answer is on its way", what), nil
}

// decline is the customer's #decline: the ticket closes, nothing more is
// charged, and the held answers are dropped (kept, never mailed).
func (s *Service) decline(ctx context.Context, tx Tx, t *Ticket, a Actor, now time.Time) (string, error) {
	if a.Kind != ActorCustomer {
		return "", Errorf(EFORBIDDEN, "only the customer declines a charge")
	}
	if t.Hold == "" {
		return "", Errorf(ECONFLICT, "no charge is waiting for a decision on ticket #%d", t.Number)
	}
	held, err := tx.HeldAnswers(ctx, t.Number)
	if err != nil {
		return "", err
	}
	for _, h := range held {
		if err := tx.EndHeldAnswer(ctx, h.ID, "dropped", now); err != nil {
			return "", err
		}
	}
	if err := dropCustom(ctx, tx, t, now); err != nil {
		return "", err
	}
	// The category falls back to the one that was paid for, if any.
	t.Hold, t.Category, t.UpdatedAt = "", 0, now
	for c := 1; c <= 3; c++ {
		if t.Charged > 0 && s.rules.Credits.Cost(c) == t.Charged {
			t.Category = c
		}
	}
	if t.Status != StatusClosed {
		if err := s.setStatus(ctx, tx, t, StatusClosed, a, "the customer declined the charge", now); err != nil {
			return "", err
		}
	} else if err := s.notifyChange(ctx, tx, t, "the customer declined the charge", now); err != nil {
		return "", err
	}
	return fmt.Sprintf("declined: ticket #%d is closed and nothing more is charged", t.Number), nil
}

// preagree is the customer's #preagree: given when opening a ticket, or
// at least before an agent assessed it.
func (s *Service) preagree(ctx context.Context, tx Tx, t *Ticket, a Actor, now time.Time) (string, error) {
	if a.Kind != ActorCustomer {
		return "", Errorf(EFORBIDDEN, "only the customer agrees to a charge in advance")
	}
	if t.Preagreed {
		return fmt.Sprintf("ticket #%d is pre-agreed already", t.Number), nil
	}
	if t.Category != 0 || t.Charged > 0 || t.Hold != "" {
		return "", Errorf(ECONFLICT, "ticket #%d is assessed already, and pre-agreement is given when opening a ticket; reply with #confirm to accept the cost", t.Number)
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed", t.Number)
	}
	t.Preagreed, t.UpdatedAt = true, now
	if err := s.notifyChange(ctx, tx, t, "pre-agreed by the customer: charged with the answer", now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d is pre-agreed: its cost is charged with our answer, without asking first", t.Number), nil
}

// creditsNotice tells the customer what the ticket's charge waits for.
func (s *Service) creditsNotice(ctx context.Context, tx Tx, t *Ticket, wait string, due int, now time.Time) error {
	_, balance, err := s.spendable(ctx, tx, t.AccountID, now)
	if err != nil {
		return err
	}
	n := &CreditsNotice{Wait: wait, Category: t.Category, Cost: s.rules.Credits.Cost(t.Category), Charged: t.Charged,
		Due: due, Balance: balance, Packages: s.rules.Credits.Packages}
	_, err = s.emailCustomer(ctx, tx, t, TemplateCredits, Notice{Credits: n}, now)
	return err
}

// packageList is the packages as one line: "25 credits ($45), …".
func (s *Service) packageList() string {
	var ps []string
	for _, p := range s.rules.Credits.Packages {
		ps = append(ps, fmt.Sprintf("%d credits (%s)", p.Credits, p.Price))
	}
	return strings.Join(ps, ", ")
}
