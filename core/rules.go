package core

import (
	"slices"
	"time"
)

// Rules are the numbers of docs/rules.md §2–§5. Every one is a default an
// operator may change; the rule itself is not optional.
type Rules struct {
	SolvedIdle        time.Duration // support, generic: pre-closed when solved and idle this long
	SalesIdle         time.Duration // sales: pre-closed when idle this long
	PresalesSalesIdle time.Duration // … for a presales account
	ProjectIdle       time.Duration // project: every task finished and idle this long
	PreClosedToClosed time.Duration // closed after this long in pre_closed with no new message
	ReopenWindow      time.Duration // a reply reopens a closed, unrated ticket within this
	HotRushDisables   int           // HotRush switched off outside submitted, per account
	PriorityWindow    time.Duration // tickets counted in the account's mean priority
	PriorityK         int           // the mean's prior weight (k)
	FirstResponse     time.Duration // business time to the first staff reply
	HotRushResponse   time.Duration // … for HotRush tickets
	AtRisk            float64       // fraction of the target that makes a ticket at risk
	Credits           CreditRules   // support credits (docs/rules.md §5)
}

// DefaultRules returns the numbers docs/rules.md gives.
func DefaultRules() Rules {
	const day = 24 * time.Hour
	return Rules{
		SolvedIdle:        5 * day,
		SalesIdle:         30 * day,
		PresalesSalesIdle: 14 * day,
		ProjectIdle:       30 * day,
		PreClosedToClosed: 3 * day,
		ReopenWindow:      14 * day,
		HotRushDisables:   3,
		PriorityWindow:    180 * day,
		PriorityK:         3,
		FirstResponse:     16 * time.Hour,
		HotRushResponse:   2 * time.Hour,
		AtRisk:            0.8,
		Credits:           DefaultCreditRules(),
	}
}

// Calendar counts business time (package core/calendar implements it).
type Calendar interface {
	// Add returns the instant when d of business time has passed after t.
	Add(t time.Time, d time.Duration) time.Time
}

// SweepQuery narrows the sweep to tickets whose timers may be due; core
// fills the cut-offs from its rules and the clock.
type SweepQuery struct {
	Now               time.Time
	SolvedIdleBefore  time.Time // support and generic, solved, idle since before this
	SalesIdleBefore   time.Time // sales idle since before this (the shorter presales limit)
	ProjectIdleBefore time.Time
	PreClosedBefore   time.Time // in pre_closed since before this
}

// Priority levels (docs/rules.md §3).
const (
	PriorityMajor  = "major"
	PriorityNormal = "normal"
	PriorityMinor  = "minor"
)

// PriorityLevel returns a priority's level: major 3, normal 2, minor 1;
// 0 for anything else.
func PriorityLevel(p string) int {
	switch p {
	case PriorityMajor:
		return 3
	case PriorityNormal:
		return 2
	case PriorityMinor:
		return 1
	}
	return 0
}

// PriorityFactor is the account factor of docs/rules.md §3 from the sum and
// count of the levels of its recent tickets: the mean is pulled toward
// Normal by k phantom Normal tickets, and the factor 2/mean is clamped to
// [0.5, 2].
func PriorityFactor(sum, n, k int) float64 {
	mean := float64(sum+2*k) / float64(n+k)
	f := 2 / mean
	return min(max(f, 0.5), 2.0)
}

// Task statuses, in order (docs/rules.md §2).
var TaskStatuses = []string{"scheduled", "working", "quality_assurance", "reviewing", "completed",
	"ready_to_upload", "uploaded", "approved", "closed"}

// taskByCustomer are the task statuses only the customer sets.
var taskByCustomer = map[string]bool{"ready_to_upload": true, "approved": true}

// TaskFinished reports whether a task counts as finished for the
// project timers.
func TaskFinished(status string) bool { return status == "approved" || status == "closed" }

// ActiveStatuses are the statuses Active reports. Package store derives
// its SQL for "active" from this list.
var ActiveStatuses = []string{StatusSubmitted, StatusAssigned, StatusInProgress, StatusReopened}

// Active reports whether a status is active: what a list that hides
// closed and rated tickets shows, and what the queue takes.
func Active(status string) bool { return slices.Contains(ActiveStatuses, status) }
