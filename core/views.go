package core

import "time"

// The read models below are what the edges show (the Slack desk's find
// and queue, the admin's /status). They are core's so that an edge reads
// them from any store, not from package store's rows.

// TicketSummary is a ticket with the account that owns it.
type TicketSummary struct {
	Ticket
	Account Account
	Email   string // the account's primary address
}

// MessageHit is where a Message-ID belongs: its ticket, and the stored
// message when it is one the gateway received (nil for a notice it sent).
type MessageHit struct {
	Ticket    int64 // 0 for mail that belongs to no ticket
	Direction string
	Message   *Message
}

// Counts is what the status endpoint shows about the database.
type Counts struct {
	TicketsByStatus map[string]int `json:"tickets_by_status"`
	// TicketsByDepartment counts each department's tickets by status.
	TicketsByDepartment map[string]map[string]int `json:"tickets_by_department"`
	// SLAAtRisk and SLABreached count the tickets awaiting a staff reply
	// whose first-response clock is at risk or past due (docs/rules.md §4).
	SLAAtRisk     int       `json:"sla_at_risk"`
	SLABreached   int       `json:"sla_breached"`
	OutboxPending int       `json:"outbox_pending"`
	OutboxDead    int       `json:"outbox_dead"`
	OutboxOldest  time.Time `json:"-"`
	Messages      int       `json:"messages"`
	Quarantined   int       `json:"quarantined"`
	// SearchWaiting counts the messages stored but not yet in the
	// full-text index, which a search indexes first.
	SearchWaiting int `json:"-"`

	// OpenByTag counts the active tickets of each of the MetricTags most
	// used tags; the rest are summed under TagOther.
	OpenByTag map[string]int `json:"-"`
}

// MetricTags bounds the tags the metrics name, so that agents tagging
// freely cannot grow the metrics without end; TagOther, which no tag can
// spell, sums the rest.
const (
	MetricTags = 20
	TagOther   = "(other)"
)
