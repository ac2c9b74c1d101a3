package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// docs/rules.md §1: admins keep accounts and their profiles with the
// command line.

// AccountsTx is the part of Tx that keeps accounts and profiles.
type AccountsTx interface {
	// ChangeProfileEmail gives profile p a new address and records the
	// old one in its history; ECONFLICT when another profile has it.
	ChangeProfileEmail(ctx context.Context, p *Profile, email string, at time.Time) error
	// AccountProfiles returns the account's profiles, oldest first.
	AccountProfiles(ctx context.Context, account int64) ([]Profile, error)
	// MergeAccount moves every profile and ticket of account m.From to
	// m.To, and its lots, which must hold no credits by then (they stay
	// where its tickets' charges can be refunded to); it marks m.From
	// merged into m.To and records m. It sets m.ID, m.Profiles and
	// m.Tickets.
	MergeAccount(ctx context.Context, m *AccountMerge) error
}

// ProfileUpdate changes a profile; nil fields stay as they are.
type ProfileUpdate struct {
	Email         *string
	Name          *string
	Role          *string
	Language      *string // "" clears the choice
	Notifications *bool
}

var roles = []string{RolePrimary, RoleAdvancedSecondary, RoleSecondary}

func checkAddress(addr string) (string, error) {
	addr = NormalizeAddress(addr)
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(addr, " <>,") {
		return "", Errorf(EINVALID, "%q is not an email address", addr)
	}
	return addr, nil
}

// AddAccount creates an account of kind with its primary profile.
func (s *Service) AddAccount(ctx context.Context, kind, name string, primary Address) (*Account, *Profile, error) {
	if kind != AccountCustomer && kind != AccountPresales {
		return nil, nil, Errorf(EINVALID, "account kind %q is not customer or presales", kind)
	}
	addr, err := checkAddress(primary.Addr)
	if err != nil {
		return nil, nil, err
	}
	now := s.now().UTC()
	acc := &Account{Kind: kind, Name: name, CreatedAt: now,
		PriorityFactor: PriorityFactor(PriorityLevel(PriorityNormal), 1, s.rules.PriorityK)}
	p := &Profile{Email: addr, Name: primary.Name, Role: RolePrimary, CreatedAt: now}
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.CreateAccount(ctx, acc); err != nil {
			return err
		}
		p.AccountID = acc.ID
		return tx.CreateProfile(ctx, p)
	})
	return acc, p, err
}

// AddProfile adds a person to an account.
func (s *Service) AddProfile(ctx context.Context, account int64, email, name, role string) (*Profile, error) {
	addr, err := checkAddress(email)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(roles, role) {
		return nil, Errorf(EINVALID, "role %q is not one of %s", role, strings.Join(roles, ", "))
	}
	p := &Profile{AccountID: account, Email: addr, Name: name, Role: role, CreatedAt: s.now().UTC()}
	err = s.store.Tx(ctx, func(tx Tx) error {
		if _, err := tx.Account(ctx, account); err != nil {
			return err
		}
		return tx.CreateProfile(ctx, p)
	})
	return p, err
}

// SetProfile changes the profile with address email. A new address keeps
// the profile's id and tickets, and the old one goes into its history.
func (s *Service) SetProfile(ctx context.Context, email string, u ProfileUpdate) (*Profile, error) {
	var p *Profile
	err := s.store.Tx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.ProfileByEmail(ctx, NormalizeAddress(email)); err != nil {
			return err
		}
		if err := applyProfileUpdate(p, u); err != nil {
			return err
		}
		if err := tx.UpdateProfile(ctx, p); err != nil {
			return err
		}
		if u.Email == nil || NormalizeAddress(*u.Email) == p.Email {
			return nil
		}
		addr, err := checkAddress(*u.Email)
		if err != nil {
			return err
		}
		return tx.ChangeProfileEmail(ctx, p, addr, s.now().UTC())
	})
	if err != nil {
		return nil, fmt.Errorf("profile %s: %w", email, err)
	}
	return p, nil
}

func applyProfileUpdate(p *Profile, u ProfileUpdate) error {
	if u.Role != nil {
		if !slices.Contains(roles, *u.Role) {
			return Errorf(EINVALID, "role %q is not one of %s", *u.Role, strings.Join(roles, ", "))
		}
		p.Role = *u.Role
	}
	if u.Language != nil {
		if *u.Language != "" && !slices.Contains(Languages, *u.Language) {
			return Errorf(EINVALID, "language %q is not one of %s", *u.Language, strings.Join(Languages, ", "))
		}
		p.Language = *u.Language
	}
	if u.Name != nil {
		p.Name = *u.Name
	}
	if u.Notifications != nil {
		p.NotificationsOff = !*u.Notifications
	}
	return nil
}

// RenameAccount sets an account's name.
func (s *Service) RenameAccount(ctx context.Context, id int64, name string) error {
	return s.store.Tx(ctx, func(tx Tx) error {
		acc, err := tx.Account(ctx, id)
		if err != nil {
			return err
		}
		acc.Name = strings.TrimSpace(name)
		return tx.UpdateAccount(ctx, acc)
	})
}
