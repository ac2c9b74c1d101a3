package core

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// CreditPackage is a package of credits customers buy (docs/rules.md §5).
type CreditPackage struct {
	Credits int    `json:"credits"`
	Price   string `json:"price"` // as shown to customers, e.g. "$45"
}

// CreditRules are the numbers of docs/rules.md §5.
type CreditRules struct {
	Costs     [4]int         // credits per category 1–3 (index 0 unused)
	Licenses  map[string]int // credits a license grants, by license name
	Packages  []CreditPackage
	LotMonths int // a lot expires this many months after it was added
}

// DefaultCreditRules returns the numbers docs/rules.md §5 gives.
func DefaultCreditRules() CreditRules {
	return CreditRules{
		Costs: [4]int{0, 5, 10, 20},
		Licenses: map[string]int{
			"cs-cart-first":      50,
			"cs-cart-additional": 30,
			"cs-cart-storefront": 30,
			"multivendor":        100,
		},
		Packages:  []CreditPackage{{25, "$45"}, {50, "$85"}, {100, "$165"}, {200, "$295"}},
		LotMonths: 24,
	}
}

// Cost returns what a ticket of category c costs; 0 for no category.
func (r CreditRules) Cost(c int) int {
	if c < 1 || c > 3 {
		return 0
	}
	return r.Costs[c]
}

// LicenseNames returns the licenses that grant credits, sorted.
func (r CreditRules) LicenseNames() []string {
	var names []string
	for n := range r.Licenses {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Package returns the package of n credits.
func (r CreditRules) Package(n int) (CreditPackage, bool) {
	i := slices.IndexFunc(r.Packages, func(p CreditPackage) bool { return p.Credits == n })
	if i < 0 {
		return CreditPackage{}, false
	}
	return r.Packages[i], true
}

// expires returns when a lot added at t expires.
func (r CreditRules) expires(t time.Time) time.Time { return t.AddDate(0, r.LotMonths, 0) }

// accountOf finds the account of a profile's address.
func accountOf(ctx context.Context, tx Tx, email string) (*Profile, *Account, error) {
	p, err := tx.ProfileByEmail(ctx, NormalizeAddress(email))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(ENOTFOUND, "no profile has the address %s", email)
	}
	if err != nil {
		return nil, nil, err
	}
	acc, err := tx.Account(ctx, p.AccountID)
	return p, acc, err
}

// Grant adds a license's free credits to the account of email as a lot
// (docs/rules.md §5). A presales account with a license is a customer.
func (s *Service) Grant(ctx context.Context, email, license, by string) (*LedgerEntry, error) {
	n, ok := s.rules.Credits.Licenses[license]
	if !ok || n <= 0 {
		return nil, Errorf(EINVALID, "%q is not a license (%s)", license, strings.Join(s.rules.Credits.LicenseNames(), ", "))
	}
	return s.addLot(ctx, email, CreditGrant, n, "license "+license, by, true)
}

// Purchase adds a bought package of credits to the account of email.
func (s *Service) Purchase(ctx context.Context, email string, credits int, by string) (*LedgerEntry, error) {
	pk, ok := s.rules.Credits.Package(credits)
	if !ok {
		var sizes []string
		for _, p := range s.rules.Credits.Packages {
			sizes = append(sizes, fmt.Sprint(p.Credits))
		}
		return nil, Errorf(EINVALID, "there is no package of %d credits (%s)", credits, strings.Join(sizes, ", "))
	}
	return s.addLot(ctx, email, CreditPurchase, pk.Credits, fmt.Sprintf("package of %d credits (%s)", pk.Credits, pk.Price), by, false)
}

func (s *Service) addLot(ctx context.Context, email, kind string, n int, reason, by string, license bool) (*LedgerEntry, error) {
	var e *LedgerEntry
	err := s.store.Tx(ctx, func(tx Tx) error {
		now := s.now().UTC()
		_, acc, err := accountOf(ctx, tx, email)
		if err != nil {
			return err
		}
		if license && acc.Kind == AccountPresales {
			acc.Kind = AccountCustomer
			if err := tx.UpdateAccount(ctx, acc); err != nil {
				return err
			}
		}
		// Expired lots go first, so the new entry's balance is the
		// spendable one.
		if _, _, err := s.spendable(ctx, tx, acc.ID, now); err != nil {
			return err
		}
		p := &Posting{
			Entry: LedgerEntry{AccountID: acc.ID, Kind: kind, Amount: n, By: by, Reason: reason, At: now},
			Lots:  []Lot{{Credits: n, ExpiresAt: s.rules.Credits.expires(now)}},
		}
		if err := post(ctx, tx, p); err != nil {
			return err
		}
		e = &p.Entry
		return nil
	})
	return e, err
}

// Transfer moves n credits from the account of from, which must be a
// primary profile's address, to the account of to (docs/rules.md §5: with a
// license, by an admin). The credits keep their expiry dates: they move
// as lots, the earliest-expiring first.
func (s *Service) Transfer(ctx context.Context, from, to string, n int, by string) (out, in *LedgerEntry, err error) {
	if n <= 0 || n > MaxCredits {
		return nil, nil, Errorf(EINVALID, "%d is not an amount of credits to transfer (1 to %d)", n, MaxCredits)
	}
	err = s.store.Tx(ctx, func(tx Tx) error {
		now := s.now().UTC()
		fp, facc, err := accountOf(ctx, tx, from)
		if err != nil {
			return err
		}
		if fp.Role != RolePrimary {
			return Errorf(EFORBIDDEN, "%s is a %s profile; only the account's primary profile may transfer credits", fp.Email, fp.Role)
		}
		tp, tacc, err := accountOf(ctx, tx, to)
		if err != nil {
			return err
		}
		if facc.ID == tacc.ID {
			return Errorf(EINVALID, "%s and %s belong to the same account", fp.Email, tp.Email)
		}
		lots, balance, err := s.spendable(ctx, tx, facc.ID, now)
		if err != nil {
			return err
		}
		if balance < n {
			return &Error{Code: ECREDITS, Message: fmt.Sprintf("the account of %s has %d credits; %d cannot be transferred", fp.Email, balance, n)}
		}
		out, in, err = moveCredits(ctx, tx, take(lots, n),
			LedgerEntry{AccountID: facc.ID, By: by, At: now, Reason: fmt.Sprintf("transfer to account %d (%s)", tacc.ID, tp.Email)},
			LedgerEntry{AccountID: tacc.ID, By: by, At: now, Reason: fmt.Sprintf("transfer from account %d (%s)", facc.ID, fp.Email)})
		return err
	})
	return out, in, err
}

// moveCredits takes spends from the lots of out's account and adds them
// to in's as lots of the same expiry dates: two transfer entries, one on
// each side.
func moveCredits(ctx context.Context, tx Tx, spends []Spend, out, in LedgerEntry) (*LedgerEntry, *LedgerEntry, error) {
	n := 0
	for _, sp := range spends {
		n += sp.Credits
	}
	out.Kind, out.Amount, in.Kind, in.Amount = CreditTransfer, -n, CreditTransfer, n
	po := &Posting{Entry: out, Spends: spends}
	if err := post(ctx, tx, po); err != nil {
		return nil, nil, err
	}
	pi := &Posting{Entry: in}
	for _, sp := range spends {
		if k := len(pi.Lots) - 1; k >= 0 && pi.Lots[k].ExpiresAt.Equal(sp.ExpiresAt) {
			pi.Lots[k].Credits += sp.Credits
			continue
		}
		pi.Lots = append(pi.Lots, Lot{Credits: sp.Credits, ExpiresAt: sp.ExpiresAt})
	}
	if err := post(ctx, tx, pi); err != nil {
		return nil, nil, err
	}
	return &po.Entry, &pi.Entry, nil
}

// SetPreagree sets the account-wide default: every new ticket of the
// account of email is pre-agreed (docs/rules.md §5).
func (s *Service) SetPreagree(ctx context.Context, email string, on bool) (*Account, error) {
	var acc *Account
	err := s.store.Tx(ctx, func(tx Tx) (err error) {
		if _, acc, err = accountOf(ctx, tx, email); err != nil {
			return err
		}
		acc.Preagree = on
		return tx.UpdateAccount(ctx, acc)
	})
	return acc, err
}

// expireCredits writes off every lot that expired by now (docs/rules.md §5),
// in batches of one transaction each, and returns the credits and lots
// written off.
func (s *Service) expireCredits(ctx context.Context, now time.Time) (credits, lots int, err error) {
	for {
		var batch []Lot
		err := s.store.Tx(ctx, func(tx Tx) error {
			if batch, err = tx.ExpiredLots(ctx, now, sweepBatch); err != nil {
				return err
			}
			for _, l := range batch {
				if err := expireLot(ctx, tx, l, now); err != nil {
					return fmt.Errorf("lot %d: %w", l.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return credits, lots, fmt.Errorf("expire credits: %w", err)
		}
		for _, l := range batch {
			credits += l.Remaining
		}
		lots += len(batch)
		if len(batch) < sweepBatch {
			return credits, lots, nil
		}
	}
}
