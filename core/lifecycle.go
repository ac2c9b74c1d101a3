package core

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Actor kinds: who asked for a change.
const (
	ActorCustomer = "customer" // by email command or by writing: a profile of the ticket's account
	// ActorParticipant is a participant of the ticket from outside its
	// account (docs/rules.md §1): may write, runs no state-changing action.
	ActorParticipant = "participant"
	ActorAgent       = "agent"  // from Slack or the CLI
	ActorAdmin       = "admin"  // the CLI when no agent is named
	ActorSystem      = "system" // the sweep's timers
)

// Actor is who asked for a change.
type Actor struct {
	Kind    string
	ID      string // agent id, or the customer's address
	Name    string // for notices; may be empty
	Profile *Profile
	// InSlack is set when the agent wrote the action in the ticket's
	// Slack thread, which shows it already: it is not posted again.
	InSlack bool
	// Departments an agent works in ([[agents]] departments); with the
	// departments they head, the only ones whose tickets they may act
	// on (roles.go). None of either: every department.
	Departments []string
}

func (a Actor) String() string {
	switch a.Kind {
	case ActorCustomer:
		return "the customer"
	case ActorParticipant:
		return "participant " + a.ID
	case ActorSystem:
		return "the gateway"
	case ActorAdmin:
		return "the admin"
	}
	if a.Name != "" {
		return a.Name
	}
	return "agent " + a.ID
}

// allowed reports whether actor may move a ticket from one status to
// another: exactly the transitions of docs/rules.md §2. The admin moves
// tickets as agents do.
func allowed(from, to, actor string) bool {
	if actor == ActorAdmin {
		actor = ActorAgent
	}
	switch to {
	case StatusAssigned:
		return from == StatusSubmitted && actor == ActorAgent
	case StatusInProgress:
		if from == StatusPreClosed {
			return actor == ActorAgent || actor == ActorCustomer
		}
		return (from == StatusAssigned || from == StatusReopened) && actor == ActorAgent
	case StatusPreClosed:
		return Active(from) && (actor == ActorAgent || actor == ActorSystem)
	case StatusClosed:
		if from == StatusPreClosed {
			return true
		}
		return from != StatusClosed && (actor == ActorAgent || actor == ActorCustomer)
	case StatusReopened:
		return from == StatusClosed && (actor == ActorAgent || actor == ActorCustomer)
	}
	return false
}

// ValidStatus reports whether s names a status.
func ValidStatus(s string) bool {
	switch s {
	case StatusSubmitted, StatusAssigned, StatusInProgress, StatusPreClosed, StatusClosed, StatusReopened:
		return true
	}
	return false
}

// setStatus moves t to status to, or says why not. The caller writes the
// ticket; setStatus writes the notifications.
func (s *Service) setStatus(ctx context.Context, tx Tx, t *Ticket, to string, a Actor, reason string, now time.Time) error {
	if err := s.moveStatus(t, to, a, now); err != nil {
		return err
	}
	return s.notifyStatus(ctx, tx, t, a, reason, now)
}

// moveStatus is setStatus without the notifications, for a change that
// tells of itself (an answer mailed to the customer). Every status change
// passes here, and so through allowed.
func (s *Service) moveStatus(t *Ticket, to string, a Actor, now time.Time) error {
	if !ValidStatus(to) {
		return Errorf(EINVALID, "%q is not a status (%s)", to, strings.Join(statuses, ", "))
	}
	if t.Status == to {
		return Errorf(ECONFLICT, "ticket #%d is %s already", t.Number, to)
	}
	if !allowed(t.Status, to, a.Kind) {
		return Errorf(EFORBIDDEN, "ticket #%d cannot go from %s to %s by %s", t.Number, t.Status, to, a)
	}
	t.Status, t.StatusAt, t.UpdatedAt = to, now, now
	switch to {
	case StatusClosed:
		t.ClosedAt = now
	case StatusReopened:
		// The customer is waiting again.
		t.Solved = false
		s.startClock(t, now)
	}
	return nil
}

// reopenRefusal says why a closed ticket cannot be reopened by its
// customer, or "" when it can (docs/rules.md §2).
func (s *Service) reopenRefusal(t *Ticket, now time.Time) string {
	switch {
	case t.RatingScore > 0:
		return fmt.Sprintf("ticket #%d was rated, so it stays closed", t.Number)
	case now.Sub(t.ClosedAt) >= s.rules.ReopenWindow:
		return fmt.Sprintf("ticket #%d was closed more than %d days ago", t.Number, int(s.rules.ReopenWindow.Hours()/24))
	}
	return ""
}
