package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// docs/rules.md §5, a custom charge: an agent charges a ticket an amount
// that no category gives (a third-party installation, say), with the
// reason. It follows a category's rules: a pre-agreed ticket is charged
// at once; otherwise the customer is asked to confirm and answers wait;
// too few credits hold them too; #decline closes the ticket and drops it.

// States of a custom charge.
const (
	CustomAsked   = "asked"   // waiting for the customer's #confirm or for credits
	CustomCharged = "charged" // in the ledger
	CustomDropped = "dropped" // the customer declined
)

// CustomCharge is one custom charge on a ticket.
type CustomCharge struct {
	ID        int64
	Ticket    int64
	Amount    int
	Reason    string
	By        string // the agent who asked for it
	State     string
	CreatedAt time.Time
}

// CustomChargeTx is the part of Tx that keeps custom charges.
type CustomChargeTx interface {
	// AddCustomCharge stores c; it sets c.ID.
	AddCustomCharge(ctx context.Context, c *CustomCharge) error
	// CustomCharges returns the ticket's custom charges, oldest first.
	CustomCharges(ctx context.Context, ticket int64) ([]CustomCharge, error)
	// EndCustomCharge sets an asked charge's state to CustomCharged or
	// CustomDropped.
	EndCustomCharge(ctx context.Context, id int64, state string, at time.Time) error
}

// chargeAction is `charge AMOUNT REASON`.
func (s *Service) chargeAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(args[0], "+"))
	if err != nil || n < 1 || n > MaxCredits {
		return "", Errorf(EINVALID, "%q is not an amount of credits to charge (1 to %d)", args[0], MaxCredits)
	}
	reason, err := checkReason(strings.Join(args[1:], " "))
	if err != nil {
		return "", err
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed; reopen it first", t.Number)
	}
	// One decision at a time: the customer's #confirm answers one question.
	if t.Hold != "" {
		return "", Errorf(ECONFLICT, "a charge of ticket #%d waits for the customer (%s); charge more once it is decided", t.Number, t.Hold)
	}
	cc := &CustomCharge{Ticket: t.Number, Amount: n, Reason: reason, By: a.ID, State: CustomAsked, CreatedAt: now}
	if err := tx.AddCustomCharge(ctx, cc); err != nil {
		return "", err
	}
	t.UpdatedAt = now
	var res string
	if t.Preagreed {
		what, err := s.chargeCustom(ctx, tx, t, cc, false, now)
		if err != nil {
			return "", err
		}
		res = fmt.Sprintf("ticket #%d: custom charge of %d credits (%s): %s", t.Number, n, reason, what)
	} else {
		t.Hold = HoldConfirmation
		if err := s.customNotice(ctx, tx, t, cc, now); err != nil {
			return "", err
		}
		res = fmt.Sprintf("ticket #%d: the customer is asked to confirm a custom charge of %d credits (%s); answers wait until then",
			t.Number, n, reason)
	}
	if err := s.notifyChange(ctx, tx, t, res+" (by "+a.String()+")", now); err != nil {
		return "", err
	}
	return res, nil
}

// chargeCustom puts an asked custom charge in the ledger, as the agent
// who asked for it. Too few credits hold the answers and tell the
// customer, unless confirmed: then it is an ECREDITS error and nothing
// changed.
func (s *Service) chargeCustom(ctx context.Context, tx Tx, t *Ticket, cc *CustomCharge, confirmed bool, now time.Time) (string, error) {
	e, _, err := s.debit(ctx, tx, LedgerEntry{AccountID: t.AccountID, Kind: CreditCustomCharge, Ticket: t.Number, By: cc.By,
		Reason: fmt.Sprintf("ticket #%d, custom charge: %s", t.Number, cc.Reason)}, cc.Amount, now)
	if ErrorCode(err) == ECREDITS {
		_, balance, berr := s.spendable(ctx, tx, t.AccountID, now)
		if berr != nil {
			return "", berr
		}
		if confirmed {
			return "", &Error{Code: ECREDITS, Message: fmt.Sprintf(
				"the account has %d credits and ticket #%d needs %d; packages: %s. Once credits are added, reply with #confirm again",
				balance, t.Number, cc.Amount, s.packageList())}
		}
		t.Hold = HoldCredits
		if err := s.customNotice(ctx, tx, t, cc, now); err != nil {
			return "", err
		}
		return fmt.Sprintf("too few credits (%d, %d needed): nothing is charged and answers wait", balance, cc.Amount), nil
	}
	if err != nil {
		return "", err
	}
	if err := tx.EndCustomCharge(ctx, cc.ID, CustomCharged, now); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d credits charged, %d left", cc.Amount, e.Balance), nil
}

// askedCharge returns the ticket's custom charge that waits, or nil.
func askedCharge(ctx context.Context, tx Tx, t *Ticket) (*CustomCharge, error) {
	ccs, err := tx.CustomCharges(ctx, t.Number)
	if err != nil {
		return nil, err
	}
	for i := range ccs {
		if ccs[i].State == CustomAsked {
			return &ccs[i], nil
		}
	}
	return nil, nil
}

// confirmCustom charges the custom charge the customer's #confirm
// accepts; "" when none waits.
func (s *Service) confirmCustom(ctx context.Context, tx Tx, t *Ticket, now time.Time) (string, error) {
	cc, err := askedCharge(ctx, tx, t)
	if err != nil || cc == nil {
		return "", err
	}
	return s.chargeCustom(ctx, tx, t, cc, true, now)
}

// dropCustom drops the custom charge the customer's #decline refuses.
func dropCustom(ctx context.Context, tx Tx, t *Ticket, now time.Time) error {
	cc, err := askedCharge(ctx, tx, t)
	if err != nil || cc == nil {
		return err
	}
	return tx.EndCustomCharge(ctx, cc.ID, CustomDropped, now)
}

// customNotice asks the customer to confirm a custom charge, or tells
// them it waits for credits.
func (s *Service) customNotice(ctx context.Context, tx Tx, t *Ticket, cc *CustomCharge, now time.Time) error {
	_, balance, err := s.spendable(ctx, tx, t.AccountID, now)
	if err != nil {
		return err
	}
	n := &CreditsNotice{Wait: t.Hold, Reason: cc.Reason, Cost: cc.Amount, Due: cc.Amount, Balance: balance,
		Packages: s.rules.Credits.Packages}
	_, err = s.emailCustomer(ctx, tx, t, TemplateCredits, Notice{Credits: n}, now)
	return err
}
