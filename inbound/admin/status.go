package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"helpdesk/core"
)

// Status is the JSON of /status, and what `helpdesk status` prints.
type Status struct {
	Version string `json:"version"`
	// UptimeSeconds is 0 when the status was read from the database
	// without a running serve.
	UptimeSeconds int64 `json:"uptime_seconds"`
	// Database is "ok", or "error" when it could not be read.
	Database        string         `json:"database"`
	TicketsByStatus map[string]int `json:"tickets_by_status"`
	// TicketsByDepartment counts each department's tickets by status.
	TicketsByDepartment map[string]map[string]int `json:"tickets_by_department"`
	// QueueHead is the first tickets of the queue (docs/rules.md §3).
	QueueHead   []QueueEntry `json:"queue_head"`
	SLA         SLAStatus    `json:"sla"`
	Messages    int          `json:"messages"`
	Quarantined int          `json:"quarantined"`
	Outbox      OutboxStatus `json:"outbox"`
	Channels    []Channel    `json:"channels"`
	// Credits is omitted when the gateway has no credits source.
	Credits *Credits `json:"credits,omitempty"`
	// OverdueTasks are project tasks past their due date without being
	// finished (docs/rules.md §2), the longest overdue first.
	OverdueTasks []OverdueTask `json:"overdue_tasks"`
}

// OverdueTask is one project task behind schedule.
type OverdueTask struct {
	Ticket     int64  `json:"ticket"`
	Task       int    `json:"task"`
	Title      string `json:"title"`
	Status     string `json:"status"`
	Developer  string `json:"developer"`
	Due        string `json:"due"` // YYYY-MM-DD
	Progress   int    `json:"progress"`
	Department string `json:"department"`
	Subject    string `json:"subject"`
}

// overdueShown is how many overdue tasks /status lists.
const overdueShown = 10

// taskSource is a Source that also knows project tasks; the overdue
// list is empty for one that does not.
type taskSource interface {
	OverdueTasks(ctx context.Context, now time.Time, limit int) ([]core.OverdueTask, error)
}

// QueueEntry is one ticket of the queue head.
type QueueEntry struct {
	Number     int64      `json:"number"`
	Department string     `json:"department"`
	Status     string     `json:"status"`
	Priority   string     `json:"priority"`
	HotRush    bool       `json:"hotrush"`
	SLAState   string     `json:"sla_state"`
	SLADue     *time.Time `json:"sla_due"`
	Subject    string     `json:"subject"`
}

// SLAStatus counts the tickets awaiting a staff reply whose first
// response is at risk or past due (docs/rules.md §4).
type SLAStatus struct {
	AtRisk   int `json:"at_risk"`
	Breached int `json:"breached"`
}

// OutboxStatus is the outbox part of Status.
type OutboxStatus struct {
	Pending          int   `json:"pending"`
	Dead             int   `json:"dead"`
	OldestAgeSeconds int64 `json:"oldest_age_seconds"`
}

// Credits are the credits totals of /status (docs/rules.md §5).
type Credits struct {
	// Balance is the sum of every account's balance.
	Balance int64 `json:"balance"`
	// Granted, Purchased and Charged are totals over the whole ledger.
	Granted   int64 `json:"granted"`
	Purchased int64 `json:"purchased"`
	Charged   int64 `json:"charged"`
	// Expired is the total of lots that ran out unused.
	Expired int64 `json:"expired"`
	// ByHand is the net of adjustments by hand (`credits adjust`).
	ByHand int64 `json:"by_hand"`
}

// Channel is one channel's state on /status.
type Channel struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // imap, smtp, relay, slack
	Enabled bool   `json:"enabled"`
	// State is e.g. idle, polling, backing_off, standby (IMAP; standby:
	// another gateway on the database polls it), listening, refusing
	// (SMTP), ready, holding (relay and Slack), disabled, or not_running
	// when no serve reports it.
	State       string     `json:"state"`
	Connected   bool       `json:"connected"`
	OK          bool       `json:"ok"` // the last check was good; /readyz needs it of enabled channels
	LastSuccess *time.Time `json:"last_success"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Processed   int64      `json:"processed"`
	Quarantined int64      `json:"quarantined"`
	// LagMessages is, for an IMAP mailbox, how many messages its last
	// search found that are not yet committed.
	LagMessages int `json:"lag_messages,omitempty"`
}

// BuildStatus gathers the status from src. A database that cannot be
// read sets Database to "error" and returns the error with the rest.
func BuildStatus(ctx context.Context, src Source, opts Options) (*Status, error) {
	opts.fill()
	now := opts.Now()
	st := &Status{Version: opts.Version, Database: "ok", Channels: []Channel{}, QueueHead: []QueueEntry{}, OverdueTasks: []OverdueTask{},
		TicketsByStatus: map[string]int{}, TicketsByDepartment: map[string]map[string]int{}}
	if !opts.Started.IsZero() {
		st.UptimeSeconds = int64(now.Sub(opts.Started).Seconds())
	}
	if opts.Channels != nil {
		st.Channels = opts.Channels()
	}
	c, err := src.Counts(ctx)
	if err != nil {
		st.Database = "error"
		return st, err
	}
	st.TicketsByStatus, st.TicketsByDepartment = c.TicketsByStatus, c.TicketsByDepartment
	st.Messages, st.Quarantined = c.Messages, c.Quarantined
	st.SLA = SLAStatus{AtRisk: c.SLAAtRisk, Breached: c.SLABreached}
	st.Outbox = OutboxStatus{Pending: c.OutboxPending, Dead: c.OutboxDead}
	if !c.OutboxOldest.IsZero() {
		st.Outbox.OldestAgeSeconds = int64(now.Sub(c.OutboxOldest).Seconds())
	}
	rows, err := src.Queue(ctx, opts.QueueHead)
	if err != nil {
		st.Database = "error"
		return st, err
	}
	for _, r := range rows {
		e := QueueEntry{Number: r.Number, Department: r.Department, Status: r.Status, Priority: r.Priority,
			HotRush: r.HotRush, SLAState: r.SLAState, Subject: r.Subject}
		if !r.SLADue.IsZero() {
			due := r.SLADue.UTC()
			e.SLADue = &due
		}
		st.QueueHead = append(st.QueueHead, e)
	}
	if ts, ok := src.(taskSource); ok {
		tasks, err := ts.OverdueTasks(ctx, now, overdueShown)
		if err != nil {
			st.Database = "error"
			return st, err
		}
		for _, o := range tasks {
			st.OverdueTasks = append(st.OverdueTasks, OverdueTask{Ticket: o.Ticket, Task: o.Number, Title: o.Title,
				Status: o.Status, Developer: o.Developer, Due: o.Due.Format(core.DateLayout), Progress: o.Progress,
				Department: o.Department, Subject: o.Subject})
		}
	}
	if opts.Credits != nil {
		if st.Credits, err = opts.Credits(ctx); err != nil {
			st.Database = "error"
			return st, err
		}
	}
	return st, nil
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	st, err := BuildStatus(r.Context(), h.src, h.opts)
	code := http.StatusOK
	if err != nil {
		// The details go to the log, never to the client.
		h.opts.Logger.Error("status", "err", err)
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
