package core

import (
	"context"
	"slices"
	"strings"
)

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

// docs/rules.md §1: an agent acts on the tickets of their departments
// only: those [[agents]] lists for them and those they head. An agent
// with neither acts in every department (a desk that does not divide its
// agents). The admin and customers are not restricted here.

// mayActIn refuses an agent acting on work of department dept that is
// not theirs; what names the work for the refusal ("ticket #12").
func (s *Service) mayActIn(a Actor, dept, what string) error {
	if a.Kind != ActorAgent {
		return nil
	}
	mine := s.agentDepartments(a)
	if len(mine) == 0 || slices.Contains(mine, dept) {
		return nil
	}
	return Errorf(EFORBIDDEN, "%s belongs to the %s department, and %s works in %s only",
		what, dept, a, strings.Join(mine, ", "))
}

// agentDepartments are the departments a works in: configured and
// headed, in that order, each once.
func (s *Service) agentDepartments(a Actor) []string {
	out := slices.Clone(a.Departments)
	t := s.table()
	names := make([]string, 0, len(t.heads))
	for d := range t.heads {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		if slices.Contains(t.heads[d], a.ID) && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}
