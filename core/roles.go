package core

import "context"

// docs/rules.md §1: what each role of a profile may do. Every role may
// open tickets, write to its account's tickets and run the ticket
// commands; committing the account's credits is for the primary and
// advanced secondary profiles (#preagree), and transferring them for the
// primary only (Transfer).

// mayCommit refuses a customer whose profile is a plain secondary one:
// they may not commit the account's credits. Staff are not refused.
func (s *Service) mayCommit(ctx context.Context, tx Tx, a Actor, what string) error {
	if a.Kind != ActorCustomer {
		return nil
	}
	p := a.Profile
	if p == nil {
		var err error
		if p, err = tx.ProfileByEmail(ctx, NormalizeAddress(a.ID)); err != nil {
			return err
		}
	}
	if p.Role == RoleSecondary {
		return Errorf(EFORBIDDEN, "only the account's primary or advanced secondary contacts can %s", what)
	}
	return nil
}
