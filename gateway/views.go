package gateway

import (
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

// The JSON shapes of quarantine, outbox and credits show --json, like
// TicketView, are part of the outside contract (DESIGN.md).

// QuarantineView is a quarantined mail in `quarantine list|show --json`.
type QuarantineView struct {
	ID        int64     `json:"id"`
	Channel   string    `json:"channel"`
	Ref       string    `json:"ref"`
	MessageID string    `json:"message_id"`
	Reason    string    `json:"reason"`
	Size      int       `json:"size"`
	At        time.Time `json:"at"`
	Raw       *string   `json:"raw,omitempty"` // show only; null when too large to keep
}

func QuarantineViewOf(q *core.Quarantined, withRaw bool) QuarantineView {
	j := QuarantineView{ID: q.ID, Channel: q.Channel, Ref: q.Ref, MessageID: q.MessageID, Reason: q.Reason,
		Size: q.Size, At: q.CreatedAt.UTC()}
	if withRaw && q.Raw != nil {
		s := string(q.Raw)
		j.Raw = &s
	}
	return j
}

// OutboxAttemptView is one attempt of an OutboxRowView.
type OutboxAttemptView struct {
	At         time.Time `json:"at"`
	DurationMS int64     `json:"duration_ms"`
	Result     string    `json:"result"`
	Error      string    `json:"error,omitempty"`
}

// OutboxRowView is a pending or dead row of `outbox list --json`.
type OutboxRowView struct {
	ID          int64               `json:"id"`
	State       string              `json:"state"`
	Kind        string              `json:"kind"`
	Ticket      int64               `json:"ticket,omitempty"`
	Attempts    int                 `json:"attempts"`
	NextAttempt *time.Time          `json:"next_attempt,omitempty"`
	DoneAt      *time.Time          `json:"done_at,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	LastError   string              `json:"last_error,omitempty"`
	History     []OutboxAttemptView `json:"history"`
}

func OutboxViewOf(rows []store.OutboxRow) []OutboxRowView {
	out := make([]OutboxRowView, 0, len(rows))
	for _, r := range rows {
		j := OutboxRowView{ID: r.ID, State: r.State, Kind: r.Kind, Ticket: r.Ticket, Attempts: r.Attempts,
			CreatedAt: r.CreatedAt.UTC(), LastError: r.LastError, History: []OutboxAttemptView{}}
		if r.State == "pending" {
			next := r.NextAttempt.UTC()
			j.NextAttempt = &next
		} else if !r.DoneAt.IsZero() {
			done := r.DoneAt.UTC()
			j.DoneAt = &done
		}
		for _, a := range r.History {
			j.History = append(j.History, OutboxAttemptView{At: a.At.UTC(), DurationMS: a.Duration.Milliseconds(),
				Result: a.Result, Error: a.Error})
		}
		out = append(out, j)
	}
	return out
}

// StatementView is an account's credits in `credits show --json`: at
// least balance, lots and entries.
type StatementView struct {
	Account  AccountView `json:"account"`
	Balance  int         `json:"balance"`
	Preagree bool        `json:"preagree"`
	Lots     []LotView   `json:"lots"`
	Entries  []EntryView `json:"entries"`
}

// LotView is a lot of credits of a StatementView.
type LotView struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Credits   int       `json:"credits"`
	Remaining int       `json:"remaining"`
	AddedAt   time.Time `json:"added_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EntryView is a ledger entry of a StatementView.
type EntryView struct {
	ID      int64     `json:"id"`
	Kind    string    `json:"kind"`
	Amount  int       `json:"amount"`
	Balance int       `json:"balance"`
	Ticket  *int64    `json:"ticket"`
	By      string    `json:"by"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

func EntryViewOf(e *core.LedgerEntry) EntryView {
	ej := EntryView{ID: e.ID, Kind: e.Kind, Amount: e.Amount, Balance: e.Balance, By: e.By, Reason: e.Reason, At: e.At}
	if e.Ticket != 0 {
		n := e.Ticket
		ej.Ticket = &n
	}
	return ej
}

// StatementViewOf is the view of an account's statement.
func StatementViewOf(st *store.CreditStatement) StatementView {
	out := StatementView{
		Account: AccountView{ID: st.Account.ID, Kind: st.Account.Kind, Name: st.Account.Name, PrimaryEmail: st.Email},
		Balance: st.Account.Credits, Preagree: st.Account.Preagree,
		Lots: []LotView{}, Entries: []EntryView{},
	}
	for _, l := range st.Lots {
		out.Lots = append(out.Lots, LotView{ID: l.ID, Kind: l.Kind, Credits: l.Credits, Remaining: l.Remaining,
			AddedAt: l.AddedAt, ExpiresAt: l.ExpiresAt})
	}
	for i := range st.Entries {
		out.Entries = append(out.Entries, EntryViewOf(&st.Entries[i]))
	}
	return out
}
