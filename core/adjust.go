package core

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// docs/rules.md §5, credits by hand: an admin's refund or goodwill grant
// (`credits adjust`), and an agent's charge of a custom amount on a
// ticket (`charge AMOUNT REASON`, customcharge.go). Each is an entry of
// its own kind that says who and why.

// Ledger entry kinds of credits by hand.
const (
	CreditManual       = "manual"        // credits added or taken by hand, with the reason
	CreditCustomCharge = "custom_charge" // a ticket charged a custom amount
)

// maxReasonLen bounds the reason of credits by hand, in characters.
const maxReasonLen = 300

// checkReason refuses a reason that is missing or too long to read in a
// ledger's line.
func checkReason(reason string) (string, error) {
	reason = strings.Join(strings.Fields(reason), " ")
	if reason == "" {
		return "", Errorf(EINVALID, "credits by hand need a reason (--reason TEXT), for the ledger")
	}
	if utf8.RuneCountInString(reason) > maxReasonLen {
		return "", Errorf(EINVALID, "a reason is at most %d characters", maxReasonLen)
	}
	return reason, nil
}

// Adjust adds n credits to the account of email (n > 0, a goodwill grant
// or a refund by hand: a lot that expires like a purchase) or takes -n
// from it (n < 0, the lots that expire first). A balance cannot go below
// zero: taking more than the account holds is refused (ECREDITS) and
// nothing changes.
func (s *Service) Adjust(ctx context.Context, email string, n int, reason, by string) (*LedgerEntry, error) {
	if n == 0 || n > MaxCredits || n < -MaxCredits {
		return nil, Errorf(EINVALID, "%+d is not an adjustment (+1 to +%d, or -1 to -%d)", n, MaxCredits, MaxCredits)
	}
	reason, err := checkReason(reason)
	if err != nil {
		return nil, err
	}
	var e *LedgerEntry
	err = s.store.Tx(ctx, func(tx Tx) error {
		now := s.now().UTC()
		p, acc, err := accountOf(ctx, tx, email)
		if err != nil {
			return err
		}
		_, balance, err := s.spendable(ctx, tx, acc.ID, now)
		if err != nil {
			return err
		}
		entry := LedgerEntry{AccountID: acc.ID, Kind: CreditManual, By: by, Reason: reason, At: now}
		if n > 0 {
			po := &Posting{Entry: entry, Lots: []Lot{{Credits: n, ExpiresAt: s.rules.Credits.expires(now)}}}
			po.Entry.Amount = n
			if err := post(ctx, tx, po); err != nil {
				return err
			}
			e = &po.Entry
			return nil
		}
		if balance < -n {
			return &Error{Code: ECREDITS, Message: fmt.Sprintf(
				"the account of %s has %d credits; taking %d would make its balance negative", p.Email, balance, -n)}
		}
		e, _, err = s.debit(ctx, tx, entry, -n, now)
		return err
	})
	return e, err
}
