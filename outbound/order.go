package outbound

import (
	"time"

	"helpdesk/core"
)

// A hold keeps a ticket's later rows behind one of its rows that failed or
// has to wait, so that a customer does not get a reply notice before the
// acknowledgment, nor Slack a reply before the ticket card.
type hold struct {
	// until is when the row that set the hold is due again; the hold
	// ends then. Holds within one pass leave it zero.
	until time.Time
	// threadOnly is set when every row holding the ticket is a thread
	// reply waiting for the parent message. The parent must then pass, or
	// the reply would wait for ever.
	threadOnly bool
}

// stops reports whether the hold keeps back a row of kind.
func (h hold) stops(kind string) bool {
	return !(h.threadOnly && kind == core.OutboxSlackTicket)
}

// addHold adds h to the ticket's hold in m.
func addHold(m map[int64]hold, ticket int64, h hold) {
	if old, ok := m[ticket]; ok {
		h.threadOnly = h.threadOnly && old.threadOnly
		if old.until.After(h.until) {
			h.until = old.until
		}
	}
	m[ticket] = h
}

// held reports whether a row of kind for ticket must wait behind a hold
// in any of ms. Ticket 0 means the row belongs to no ticket.
func held(ticket int64, kind string, ms ...map[int64]hold) bool {
	if ticket == 0 {
		return false
	}
	for _, m := range ms {
		if h, ok := m[ticket]; ok && h.stops(kind) {
			return true
		}
	}
	return false
}
