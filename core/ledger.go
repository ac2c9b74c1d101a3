package core

import (
	"context"
	"fmt"
	"time"
)

// docs/rules.md §5: credits live on the account; every change is an entry in
// an append-only ledger; grants and purchases are lots that expire, and
// charges spend the lot that expires first. The balance is the ledger's
// sum and never goes below zero.

// Ledger entry kinds.
const (
	CreditGrant      = "grant"      // a license's free credits
	CreditPurchase   = "purchase"   // a bought package
	CreditCharge     = "charge"     // a ticket's first charge
	CreditAdjustment = "adjustment" // a ticket charged more after it was re-categorised
	CreditRefund     = "refund"     // credits given back to a ticket's account
	CreditExpiry     = "expiry"     // an expired lot's remainder written off
	CreditTransfer   = "transfer"   // credits moved between accounts, one entry on each side
)

// What a ticket's staff answers wait for (Ticket.Hold).
const (
	HoldConfirmation = "confirmation" // the customer's #confirm of the cost
	HoldCredits      = "credits"      // enough credits on the account
)

// ECREDITS is the error code of a charge the balance cannot pay.
const ECREDITS = "insufficient_credits"

// MaxCredits bounds any one amount of credits; more is a typing error.
const MaxCredits = 1_000_000

// Lot is credits added to an account at once.
type Lot struct {
	ID        int64
	AccountID int64
	Kind      string // the entry kind that added it: grant, purchase, transfer
	Credits   int    // as added
	Remaining int
	AddedAt   time.Time
	ExpiresAt time.Time
}

// LedgerEntry is one change of an account's balance.
type LedgerEntry struct {
	ID        int64
	AccountID int64
	Kind      string
	Amount    int   // signed: credits added (+) or taken (−)
	Balance   int   // the balance after the entry; set by PostCredits
	Ticket    int64 // 0 when the entry is about no ticket
	By        string
	Reason    string
	At        time.Time
}

// Spend is credits an entry takes from a lot (Credits > 0) or gives back
// to it (Credits < 0).
type Spend struct {
	Lot       int64
	Credits   int
	ExpiresAt time.Time // the lot's, for ordering; not written
}

// Posting is one ledger entry with everything it does to the lots: the
// entry's amount equals the credits of the new lots minus the spends.
type Posting struct {
	Entry  LedgerEntry
	Spends []Spend
	Lots   []Lot // lots the entry adds; AccountID, Kind, AddedAt are filled from the entry
}

// HeldAnswer is a staff answer that waits for the customer's decision
// or for credits (docs/rules.md §5).
type HeldAnswer struct {
	ID        int64
	Ticket    int64
	Agent     string
	AgentName string
	Text      string
	CreatedAt time.Time
}

// CreditsTx is the part of Tx that the credit rules use.
type CreditsTx interface {
	// Lots returns the account's lots that have credits left, the one
	// that expires first first (then the oldest).
	Lots(ctx context.Context, account int64) ([]Lot, error)
	// ExpiredLots returns up to limit lots of any account that have
	// credits left and expired at or before now.
	ExpiredLots(ctx context.Context, now time.Time, limit int) ([]Lot, error)
	// PostCredits appends p's entry to the ledger, applies its spends
	// and adds its lots, and moves the account's balance, all or
	// nothing; it sets p.Entry.ID and p.Entry.Balance. A balance or lot
	// that would go below zero is an *Error with code ECREDITS; an
	// unknown account ENOTFOUND.
	PostCredits(ctx context.Context, p *Posting) error
	// TicketSpends returns what the ticket's charges took from each lot
	// and no refund gave back, the lot that expires last first.
	TicketSpends(ctx context.Context, ticket int64) ([]Spend, error)

	// HoldAnswer stores a held answer; it sets h.ID.
	HoldAnswer(ctx context.Context, h *HeldAnswer) error
	// HeldAnswers returns the ticket's answers still held, oldest first.
	HeldAnswers(ctx context.Context, ticket int64) ([]HeldAnswer, error)
	// EndHeldAnswer marks a held answer "released" (mailed) or
	// "dropped" (the customer declined).
	EndHeldAnswer(ctx context.Context, id int64, state string, at time.Time) error
}

// post writes one posting.
func post(ctx context.Context, tx Tx, p *Posting) error {
	for i := range p.Lots {
		p.Lots[i].AccountID, p.Lots[i].Kind, p.Lots[i].AddedAt = p.Entry.AccountID, p.Entry.Kind, p.Entry.At
		p.Lots[i].Remaining = p.Lots[i].Credits
	}
	return tx.PostCredits(ctx, p)
}

// spendable expires the account's lots that are due at now and returns
// the rest, earliest expiry first, with their sum. Every charge runs it
// first, so an expired lot is never spent even before the sweep writes
// it off.
func (s *Service) spendable(ctx context.Context, tx Tx, account int64, now time.Time) ([]Lot, int, error) {
	lots, err := tx.Lots(ctx, account)
	if err != nil {
		return nil, 0, err
	}
	var live []Lot
	sum := 0
	for _, l := range lots {
		if !now.Before(l.ExpiresAt) {
			if err := expireLot(ctx, tx, l, now); err != nil {
				return nil, 0, err
			}
			continue
		}
		live = append(live, l)
		sum += l.Remaining
	}
	return live, sum, nil
}

// expireLot writes off what is left of an expired lot.
func expireLot(ctx context.Context, tx Tx, l Lot, now time.Time) error {
	return post(ctx, tx, &Posting{
		Entry: LedgerEntry{AccountID: l.AccountID, Kind: CreditExpiry, Amount: -l.Remaining, By: "gateway", At: now,
			Reason: fmt.Sprintf("lot %d (%s of %d, added %s) expired %s", l.ID, l.Kind, l.Credits,
				l.AddedAt.Format("2006-01-02"), l.ExpiresAt.Format("2006-01-02 15:04 MST"))},
		Spends: []Spend{{Lot: l.ID, Credits: l.Remaining, ExpiresAt: l.ExpiresAt}},
	})
}

// take spends n credits from lots, earliest expiry first. The caller
// made sure the lots hold n.
func take(lots []Lot, n int) []Spend {
	var out []Spend
	for _, l := range lots {
		if n == 0 {
			break
		}
		c := min(n, l.Remaining)
		if c > 0 {
			out = append(out, Spend{Lot: l.ID, Credits: c, ExpiresAt: l.ExpiresAt})
			n -= c
		}
	}
	return out
}

// debit takes n credits from the account, earliest expiry first, as one
// entry; too few credits is an *Error with code ECREDITS and nothing is
// written.
func (s *Service) debit(ctx context.Context, tx Tx, e LedgerEntry, n int, now time.Time) (*LedgerEntry, []Spend, error) {
	if n <= 0 || n > MaxCredits {
		return nil, nil, Errorf(EINVALID, "%d is not an amount of credits (1 to %d)", n, MaxCredits)
	}
	lots, balance, err := s.spendable(ctx, tx, e.AccountID, now)
	if err != nil {
		return nil, nil, err
	}
	if balance < n {
		return nil, nil, &Error{Code: ECREDITS, Message: fmt.Sprintf("the account has %d credits; %d are needed", balance, n)}
	}
	p := &Posting{Entry: e, Spends: take(lots, n)}
	p.Entry.Amount, p.Entry.At = -n, now
	if err := post(ctx, tx, p); err != nil {
		return nil, nil, err
	}
	return &p.Entry, p.Spends, nil
}
