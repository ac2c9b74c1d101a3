package core

import (
	"context"
	"fmt"
	"time"
)

// SweepResult counts what one sweep changed.
type SweepResult struct {
	Checked   int // tickets whose timers were looked at
	PreClosed int
	Closed    int
	AtRisk    int
	Breached  int
	// Credits written off from ExpiredLots lots (docs/rules.md §5).
	ExpiredCredits int
	ExpiredLots    int
	// ForgottenSent are records of sent mail too old to prove a bounce
	// (BounceTokenValidity), deleted.
	ForgottenSent int
	// AutoAssigned are waiting tickets assigned automatically
	// (docs/rules.md §7), now that an agent may take them.
	AutoAssigned int
	// OverdueTasks are tasks that passed their due date since the last
	// sweep, their cards redrawn (docs/rules.md §2).
	OverdueTasks int
}

// sweepBatch is how many tickets one transaction of the sweep handles:
// large enough to be fast, small enough not to hold the write lock long.
const sweepBatch = 200

// Sweep runs the timer rules once at the service's clock: automatic
// pre-close and close (docs/rules.md §2) and the service-level transitions
// (docs/rules.md §4), the expiry of credit lots (docs/rules.md §5), and
// forgetting the records of sent mail once they can prove no bounce
// (§6). `serve` calls it every minute; `helpdesk sweep --at` calls it
// with a fixed clock.
func (s *Service) Sweep(ctx context.Context) (*SweepResult, error) {
	now := s.now().UTC()
	r := s.rules
	q := SweepQuery{
		Now:               now,
		SolvedIdleBefore:  now.Add(-r.SolvedIdle),
		SalesIdleBefore:   now.Add(-min(r.SalesIdle, r.PresalesSalesIdle)),
		ProjectIdleBefore: now.Add(-r.ProjectIdle),
		PreClosedBefore:   now.Add(-r.PreClosedToClosed),
	}
	var ids []int64
	if err := s.store.Tx(ctx, func(tx Tx) (err error) {
		ids, err = tx.SweepDue(ctx, q)
		return err
	}); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	res := &SweepResult{}
	for len(ids) > 0 {
		batch := ids[:min(sweepBatch, len(ids))]
		ids = ids[len(batch):]
		var part SweepResult
		err := s.store.Tx(ctx, func(tx Tx) error {
			part = SweepResult{}
			for _, id := range batch {
				if err := s.sweepTicket(ctx, tx, id, now, &part); err != nil {
					return fmt.Errorf("ticket %d: %w", id, err)
				}
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("sweep: %w", err)
		}
		res.Checked += part.Checked
		res.PreClosed += part.PreClosed
		res.Closed += part.Closed
		res.AtRisk += part.AtRisk
		res.Breached += part.Breached
	}
	var err error
	if res.ExpiredCredits, res.ExpiredLots, err = s.expireCredits(ctx, now); err != nil {
		return res, fmt.Errorf("sweep: %w", err)
	}
	if res.ForgottenSent, err = s.forgetSent(ctx, now); err != nil {
		return res, fmt.Errorf("sweep: %w", err)
	}
	if res.OverdueTasks, err = s.redrawOverdue(ctx, now); err != nil {
		return res, fmt.Errorf("sweep: %w", err)
	}
	// After the closes above, which may have made room.
	if res.AutoAssigned, err = s.AutoAssign(ctx); err != nil {
		return res, fmt.Errorf("sweep: %w", err)
	}
	return res, nil
}

func (s *Service) sweepTicket(ctx context.Context, tx Tx, id int64, now time.Time, res *SweepResult) error {
	t, err := tx.Ticket(ctx, id)
	if err != nil {
		return err
	}
	res.Checked++
	changed := false
	system := Actor{Kind: ActorSystem}

	if Active(t.Status) {
		reason, err := s.preCloseReason(ctx, tx, t, now)
		if err != nil {
			return err
		}
		if reason != "" {
			if err := s.setStatus(ctx, tx, t, StatusPreClosed, system, reason, now); err != nil {
				return err
			}
			res.PreClosed++
			changed = true
		}
	} else if t.Status == StatusPreClosed {
		// docs/rules.md §2: closed after 3 days in pre_closed with no new
		// message; a project ticket only if its tasks are still finished.
		quiet := t.StatusAt
		if t.LastPublicAt.After(quiet) {
			quiet = t.LastPublicAt
		}
		finished, err := s.tasksFinished(ctx, tx, t)
		if err != nil {
			return err
		}
		if !now.Before(quiet.Add(s.rules.PreClosedToClosed)) && finished {
			reason := fmt.Sprintf("no new message for %s in pre-close", days(s.rules.PreClosedToClosed))
			if err := s.setStatus(ctx, tx, t, StatusClosed, system, reason, now); err != nil {
				return err
			}
			res.Closed++
			changed = true
		}
	}

	if step := slaStep(t, now); step != "" {
		t.SLAState = step
		what := "is at risk: 80% of its first-response time is used"
		if step == SLABreached {
			what = "breached its first-response time"
			res.Breached++
		} else {
			res.AtRisk++
		}
		text := fmt.Sprintf("Ticket #%d %q %s (due %s).", t.Number, t.Subject, what, t.SLADue.Format("2006-01-02 15:04 MST"))
		if err := notifyDepartment(ctx, tx, t, text, nil, now); err != nil {
			return err
		}
		if err := s.notifyChange(ctx, tx, t, "", now); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	return tx.UpdateTicket(ctx, t)
}

// preCloseReason says why an active ticket is pre-closed now, or ""
// (docs/rules.md §2, automatic pre-close; "idle" is no public message from
// either side).
func (s *Service) preCloseReason(ctx context.Context, tx Tx, t *Ticket, now time.Time) (string, error) {
	idle := now.Sub(t.LastPublicAt)
	switch t.Type {
	case TypeSupport, TypeGeneric:
		if t.Solved && idle >= s.rules.SolvedIdle {
			return fmt.Sprintf("marked solved and no new message for %s", days(s.rules.SolvedIdle)), nil
		}
	case TypeSales:
		limit := s.rules.SalesIdle
		acc, err := tx.Account(ctx, t.AccountID)
		if err != nil {
			return "", err
		}
		if acc.Kind == AccountPresales {
			limit = s.rules.PresalesSalesIdle
		}
		if idle >= limit {
			return fmt.Sprintf("no new message for %s", days(limit)), nil
		}
	case TypeProject:
		if idle < s.rules.ProjectIdle {
			return "", nil
		}
		finished, err := s.tasksFinished(ctx, tx, t)
		if err != nil || !finished {
			return "", err
		}
		return fmt.Sprintf("every task is finished and no new message for %s", days(s.rules.ProjectIdle)), nil
	}
	return "", nil
}

// tasksFinished reports whether every task of a project ticket is
// finished; true for other tickets and for a project without tasks.
func (s *Service) tasksFinished(ctx context.Context, tx Tx, t *Ticket) (bool, error) {
	if t.Type != TypeProject {
		return true, nil
	}
	tasks, err := tx.Tasks(ctx, t.Number)
	if err != nil {
		return false, err
	}
	for _, tk := range tasks {
		if !TaskFinished(tk.Status) {
			return false, nil
		}
	}
	return true, nil
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// Entitle gives the account of email a HotRush entitlement: a support
// subscription until a date, or n one-incident packages (docs/rules.md §3).
func (s *Service) Entitle(ctx context.Context, email string, until time.Time, incidents int) (*Account, error) {
	var acc *Account
	err := s.store.Tx(ctx, func(tx Tx) error {
		p, err := tx.ProfileByEmail(ctx, NormalizeAddress(email))
		if err != nil {
			return err
		}
		if acc, err = tx.Account(ctx, p.AccountID); err != nil {
			return err
		}
		if !until.IsZero() {
			acc.SubscriptionUntil = until.UTC()
		}
		acc.Incidents += incidents
		return tx.UpdateAccount(ctx, acc)
	})
	return acc, err
}
