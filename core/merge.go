package core

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// docs/rules.md §1: an account merged into another, and a profile moved
// to another account.

// AccountMerge is one account merged into another.
type AccountMerge struct {
	ID       int64
	From     int64
	To       int64
	Credits  int // the balance moved
	Profiles int // set by MergeAccount
	Tickets  int // set by MergeAccount
	At       time.Time
}

// accountRef finds the account that ref names: its id ("12" or "#12")
// or the address of one of its profiles.
func accountRef(ctx context.Context, tx Tx, ref string) (*Account, error) {
	if id, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil {
		acc, err := tx.Account(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(ENOTFOUND, "there is no account %d", id)
		}
		return acc, err
	}
	_, acc, err := accountOf(ctx, tx, ref)
	return acc, err
}

// mayMerge refuses a merge of facc into tacc that is a mistake.
func mayMerge(facc, tacc *Account, force bool) error {
	switch {
	case facc.ID == tacc.ID:
		return Errorf(EINVALID, "cannot merge account %d into itself", facc.ID)
	case facc.MergedInto != 0:
		return Errorf(ECONFLICT, "account %d was merged into account %d already", facc.ID, facc.MergedInto)
	case tacc.MergedInto != 0:
		return Errorf(ECONFLICT, "account %d was merged into account %d; merge into that one", tacc.ID, tacc.MergedInto)
	case facc.Kind == AccountCustomer && tacc.Kind == AccountPresales && !force:
		return Errorf(EINVALID, "account %d is a customer and account %d a presales account: "+
			"merge %d into %d instead, or pass --force", facc.ID, tacc.ID, tacc.ID, facc.ID)
	}
	return nil
}

// MergeAccount merges the account from into the account to, each named
// by id or by a profile's address, in one transaction: the profiles and
// tickets (with their participants and history) of from move to to, and
// its balance moves as lots that keep their expiry dates, with a
// transfer entry on each side. The primary profile of from becomes a
// secondary one of to (unless to has no primary). from is kept, empty and marked merged into to.
// Merging a customer account into a presales one needs force.
func (s *Service) MergeAccount(ctx context.Context, from, to, by string, force bool) (*AccountMerge, error) {
	var m *AccountMerge
	err := s.store.Tx(ctx, func(tx Tx) error {
		now := s.now().UTC()
		facc, err := accountRef(ctx, tx, from)
		if err != nil {
			return err
		}
		tacc, err := accountRef(ctx, tx, to)
		if err != nil {
			return err
		}
		if err := mayMerge(facc, tacc, force); err != nil {
			return err
		}
		if err := demotePrimaries(ctx, tx, facc.ID, tacc.ID); err != nil {
			return err
		}
		lots, balance, err := s.spendable(ctx, tx, facc.ID, now)
		if err != nil {
			return err
		}
		if balance > 0 {
			if _, _, err := moveCredits(ctx, tx, take(lots, balance),
				LedgerEntry{AccountID: facc.ID, By: by, At: now, Reason: fmt.Sprintf("merge into account %d (%s)", tacc.ID, tacc.Name)},
				LedgerEntry{AccountID: tacc.ID, By: by, At: now, Reason: fmt.Sprintf("merge of account %d (%s)", facc.ID, facc.Name)},
			); err != nil {
				return err
			}
		}
		m = &AccountMerge{From: facc.ID, To: tacc.ID, Credits: balance, At: now}
		if err := tx.MergeAccount(ctx, m); err != nil {
			return err
		}
		mergeEntitlements(facc, tacc)
		if err := tx.UpdateAccount(ctx, facc); err != nil {
			return err
		}
		return s.refreshAccountFactor(ctx, tx, tacc, now)
	})
	if err != nil {
		return nil, fmt.Errorf("merge account %s into %s: %w", from, to, err)
	}
	return m, nil
}

// demotePrimaries makes the primary profiles of account from secondary
// ones before they join account to, when that has a primary.
func demotePrimaries(ctx context.Context, tx Tx, from, to int64) error {
	if ok, err := hasPrimary(ctx, tx, to); err != nil || !ok {
		return err
	}
	ps, err := tx.AccountProfiles(ctx, from)
	if err != nil {
		return err
	}
	for i := range ps {
		if ps[i].Role != RolePrimary {
			continue
		}
		ps[i].Role = RoleSecondary
		if err := tx.UpdateProfile(ctx, &ps[i]); err != nil {
			return err
		}
	}
	return nil
}

func hasPrimary(ctx context.Context, tx Tx, account int64) (bool, error) {
	ps, err := tx.AccountProfiles(ctx, account)
	for _, p := range ps {
		if p.Role == RolePrimary {
			return true, err
		}
	}
	return false, err
}

// mergeEntitlements gives tacc what facc had besides credits: unused
// incident packages, the later subscription, its HotRush history, and
// the customer kind. facc keeps none of it.
func mergeEntitlements(facc, tacc *Account) {
	tacc.Incidents += facc.Incidents
	tacc.HotRushDisables += facc.HotRushDisables
	if facc.SubscriptionUntil.After(tacc.SubscriptionUntil) {
		tacc.SubscriptionUntil = facc.SubscriptionUntil
	}
	if facc.Kind == AccountCustomer {
		tacc.Kind = AccountCustomer
	}
	facc.Incidents, facc.HotRushDisables, facc.SubscriptionUntil, facc.Preagree = 0, 0, time.Time{}, false
}

// MoveProfile moves the profile with address email to the account to
// (an id or a profile's address) with role, secondary when "". Its
// tickets stay with their account: they were that company's, and the
// person now writes to them as one from outside the account, a
// participant or refused (decided here). The only
// primary of an account that has other profiles is not moved until
// another is made primary; a primary is not moved into an account that
// has one.
func (s *Service) MoveProfile(ctx context.Context, email, to, role string) (*Profile, error) {
	if role == "" {
		role = RoleSecondary
	}
	if !slices.Contains(roles, role) {
		return nil, Errorf(EINVALID, "role %q is not one of %s", role, strings.Join(roles, ", "))
	}
	var p *Profile
	err := s.store.Tx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.ProfileByEmail(ctx, NormalizeAddress(email)); err != nil {
			return err
		}
		tacc, err := accountRef(ctx, tx, to)
		if err != nil {
			return err
		}
		if err := mayMove(ctx, tx, p, tacc, role); err != nil {
			return err
		}
		p.AccountID, p.Role = tacc.ID, role
		return tx.UpdateProfile(ctx, p)
	})
	if err != nil {
		return nil, fmt.Errorf("move profile %s: %w", email, err)
	}
	return p, nil
}

// mayMove refuses to move p into tacc as role when that would leave
// either account with a doubtful primary.
func mayMove(ctx context.Context, tx Tx, p *Profile, tacc *Account, role string) error {
	switch {
	case tacc.MergedInto != 0:
		return Errorf(ECONFLICT, "account %d was merged into account %d; move it there", tacc.ID, tacc.MergedInto)
	case tacc.ID == p.AccountID:
		return Errorf(EINVALID, "%s is a profile of account %d already", p.Email, tacc.ID)
	}
	if p.Role == RolePrimary {
		ps, err := tx.AccountProfiles(ctx, p.AccountID)
		if err != nil {
			return err
		}
		primaries := 0
		for _, o := range ps {
			if o.Role == RolePrimary {
				primaries++
			}
		}
		if len(ps) > 1 && primaries == 1 {
			return Errorf(ECONFLICT, "%s is the primary profile of account %d, which has %d other profiles: "+
				"make one of them primary first (profile set EMAIL --role primary)", p.Email, p.AccountID, len(ps)-1)
		}
	}
	if role == RolePrimary {
		if ok, err := hasPrimary(ctx, tx, tacc.ID); err != nil || ok {
			if err == nil {
				err = Errorf(ECONFLICT, "account %d has a primary profile; move %s with another role", tacc.ID, p.Email)
			}
			return err
		}
	}
	return nil
}
