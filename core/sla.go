package core

import "time"

// SLA states (docs/rules.md §4).
const (
	SLANone     = "none"     // no customer is waiting
	SLAOK       = "ok"       // the clock runs, under 80% of the target
	SLAAtRisk   = "at_risk"  // 80% of the target used
	SLABreached = "breached" // the target passed without a staff reply
	SLAMet      = "met"      // staff replied in time
)

// target is the first-response target of a ticket, in business time.
func (s *Service) target(t *Ticket) time.Duration {
	if t.HotRush {
		return s.rules.HotRushResponse
	}
	return s.rules.FirstResponse
}

// startClock starts a new wait for a staff reply (a new ticket, or a
// customer message after a staff reply).
func (s *Service) startClock(t *Ticket, now time.Time) {
	t.AwaitingReply = true
	t.SLAStart, t.SLAState = now, SLAOK
	s.setDue(t)
}

// setDue computes the due and at-risk times from the clock's start, so a
// HotRush switch moves them.
func (s *Service) setDue(t *Ticket) {
	if t.SLAStart.IsZero() {
		return
	}
	d := s.target(t)
	t.SLADue = s.cal.Add(t.SLAStart, d).UTC()
	t.SLARiskAt = s.cal.Add(t.SLAStart, time.Duration(float64(d)*s.rules.AtRisk)).UTC()
}

// stopClock ends the wait: a staff reply (docs/rules.md §4).
func (s *Service) stopClock(t *Ticket, now time.Time) {
	t.AwaitingReply = false
	switch t.SLAState {
	case SLAOK, SLAAtRisk:
		if now.After(t.SLADue) {
			t.SLAState = SLABreached
		} else {
			t.SLAState = SLAMet
		}
	}
}

// slaStep returns the SLA state the ticket has reached at now, if it
// moved: ok → at_risk → breached.
func slaStep(t *Ticket, now time.Time) string {
	if !t.AwaitingReply || t.Status == StatusClosed {
		return ""
	}
	switch {
	case (t.SLAState == SLAOK || t.SLAState == SLAAtRisk) && !now.Before(t.SLADue):
		return SLABreached
	case t.SLAState == SLAOK && !now.Before(t.SLARiskAt):
		return SLAAtRisk
	}
	return ""
}
