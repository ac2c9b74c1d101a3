package outbound

import (
	"time"

	"helpdesk/core"
)

// A ticket's rows go out in lanes (core.Lane: mail, Slack), each in
// order: a customer does not get a reply notice before the
// acknowledgment, nor Slack a reply before the ticket card. The lanes do
// not wait for each other, so a relay that is down does not hold back
// Slack, nor Slack mail. (The store's Due keeps the same lanes across
// restarts.)

// laneOf returns the lane of a row; a row that names none (a queue that
// predates lanes) is in its kind's.
func laneOf(it core.OutboxItem) core.Lane {
	if it.Lane != "" {
		return it.Lane
	}
	return core.LaneOf(it.Kind)
}

// holdKey names one lane of one ticket.
type holdKey struct {
	ticket int64
	lane   core.Lane
}

func keyOf(it core.OutboxItem) holdKey {
	return holdKey{ticket: it.Ticket, lane: laneOf(it)}
}

// A hold keeps a lane's later rows behind one of its rows that failed or
// has to wait.
type hold struct {
	// until is when the row that set the hold is due again; the hold
	// ends then. Holds within one pass leave it zero.
	until time.Time
	// threadOnly is set when every row holding the lane waits for the
	// ticket's parent message (a thread reply, a card update, a notice in
	// the thread). The parent must then pass, or they would wait for ever.
	threadOnly bool
}

// stops reports whether the hold keeps back a row of kind.
func (h hold) stops(kind string) bool {
	return !(h.threadOnly && kind == core.OutboxSlackTicket)
}

// addHold adds h to the hold of k in m.
func addHold(m map[holdKey]hold, k holdKey, h hold) {
	if old, ok := m[k]; ok {
		h.threadOnly = h.threadOnly && old.threadOnly
		if old.until.After(h.until) {
			h.until = old.until
		}
	}
	m[k] = h
}

// held reports whether the row it must wait behind a hold of its ticket's
// lane in any of ms. A row of ticket 0 belongs to no ticket and never
// waits.
func held(it core.OutboxItem, ms ...map[holdKey]hold) bool {
	if it.Ticket == 0 {
		return false
	}
	k := keyOf(it)
	for _, m := range ms {
		if h, ok := m[k]; ok && h.stops(it.Kind) {
			return true
		}
	}
	return false
}
