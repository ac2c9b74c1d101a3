package gateway

import (
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

// TicketView and its parts are the JSON shapes of `ticket list|show|find
// --json`, part of the outside contract (DESIGN.md): keys are snake_case
// and never removed.

type TicketView struct {
	Number      int64       `json:"number"`
	Status      string      `json:"status"`
	Type        string      `json:"type"`
	Department  string      `json:"department"`
	Priority    string      `json:"priority"`
	HotRush     bool        `json:"hotrush"`
	Subject     string      `json:"subject"`
	Assignee    string      `json:"assignee"`
	Solved      bool        `json:"solved"`
	Rank        float64     `json:"rank"`
	Account     AccountView `json:"account"`
	Credits     CreditsView `json:"credits"`
	SLA         SLAView     `json:"sla"`
	Predecessor *int64      `json:"predecessor"`
	Rating      *RatingView `json:"rating"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	ClosedAt    *time.Time  `json:"closed_at"`
	Tasks       *[]TaskView `json:"tasks,omitempty"`
	// MergedInto is the ticket this one was merged into (null when it
	// was not); Merged the tickets merged into it, and MergedCharges the
	// ledger entries of those, which stay on them (docs/rules.md §2).
	MergedInto    *int64             `json:"merged_into"`
	Merged        []int64            `json:"merged,omitempty"`
	MergedCharges []MergedChargeView `json:"merged_charges,omitempty"`
	// Participants are the ticket's people, the requester first
	// (DESIGN.md); set by `ticket show`.
	Participants *[]ParticipantView `json:"participants,omitempty"`
	Messages     *[]MessageView     `json:"messages,omitempty"`

	// Tags are the ticket's tags in order (DESIGN.md); set by `ticket
	// show`, an empty array when it has none.
	Tags *[]string `json:"tags,omitempty"`
}

type TaskView struct {
	Number    int     `json:"number"`
	Title     string  `json:"title"`
	Status    string  `json:"status"`
	Developer string  `json:"developer"`
	Start     *string `json:"start"` // YYYY-MM-DD, null when not set
	Due       *string `json:"due"`
	Progress  int     `json:"progress"` // percent
	Overdue   bool    `json:"overdue"`
}

type AccountView struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Name         string `json:"name,omitempty"`
	PrimaryEmail string `json:"primary_email"`
}

// CreditsView is the ticket's support credits (docs/rules.md §5): category
// is null until an agent assesses it; awaiting_confirmation and
// awaiting_credits say what held staff answers wait for.
type CreditsView struct {
	Category             *int `json:"category"`
	Charged              int  `json:"charged"`
	Preagreed            bool `json:"preagreed"`
	AwaitingConfirmation bool `json:"awaiting_confirmation"`
	AwaitingCredits      bool `json:"awaiting_credits"`
	// Custom are the ticket's custom charges (`charge AMOUNT REASON`),
	// oldest first; set by `ticket show`.
	Custom []CustomChargeView `json:"custom,omitempty"`
}

// CustomChargeView is one custom charge: state is asked (awaiting the
// customer's #confirm), charged or dropped (declined).
type CustomChargeView struct {
	Amount int       `json:"amount"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	State  string    `json:"state"`
	At     time.Time `json:"at"`
}

type SLAView struct {
	FirstResponseDue *time.Time `json:"first_response_due"` // null when no customer is waiting
	State            string     `json:"state"`              // ok, at_risk, breached, met, none
	Started          *time.Time `json:"started"`
}

type RatingView struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

type MessageView struct {
	ID          int64             `json:"id"`
	Direction   string            `json:"direction"`
	From        string            `json:"from"`
	MessageID   string            `json:"message_id"`
	Subject     string            `json:"subject"`
	Text        string            `json:"text"`
	Quoted      string            `json:"quoted"`
	Auto        bool              `json:"auto"`
	AutoReason  string            `json:"auto_reason,omitempty"`
	Attachments []core.Attachment `json:"attachments"`
	CreatedAt   time.Time         `json:"created_at"`
	// Auth is the sender check of an inbound mail (docs/rules.md §6);
	// null for outbound mail, notes and mail that was not checked.
	Auth *AuthView `json:"auth"`
}

func TicketViewOf(r *core.TicketSummary, msgs []core.Message) TicketView {
	t := TicketView{
		Number:     r.Number,
		Status:     r.Status,
		Type:       r.Type,
		Department: r.Department,
		Priority:   r.Priority,
		HotRush:    r.HotRush,
		Subject:    r.Subject,
		Assignee:   r.Assignee,
		Solved:     r.Solved,
		Rank:       r.Rank,
		Account:    AccountView{ID: r.Account.ID, Kind: r.Account.Kind, Name: r.Account.Name, PrimaryEmail: r.Email},
		SLA:        SLAView{State: r.SLAState, Started: optTime(r.SLAStart)},
		ClosedAt:   optTime(r.ClosedAt),
		CreatedAt:  r.CreatedAt,
		UpdatedAt:  r.UpdatedAt,
	}
	if r.AwaitingReply {
		t.SLA.FirstResponseDue = optTime(r.SLADue)
	}
	t.Credits = CreditsView{Charged: r.Charged, Preagreed: r.Preagreed,
		AwaitingConfirmation: r.Hold == core.HoldConfirmation, AwaitingCredits: r.Hold == core.HoldCredits}
	if r.Category != 0 {
		c := r.Category
		t.Credits.Category = &c
	}
	if r.Predecessor != 0 {
		p := r.Predecessor
		t.Predecessor = &p
	}
	if r.RatingScore != 0 {
		t.Rating = &RatingView{Score: r.RatingScore, Comment: r.RatingComment}
	}
	if msgs != nil {
		ms := make([]MessageView, 0, len(msgs))
		for _, m := range msgs {
			ms = append(ms, MessageViewOf(m))
		}
		t.Messages = &ms
	}
	return t
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// WithTasks adds the tasks to the view, overdue as of now.
func WithTasks(t *TicketView, tasks []core.Task, now time.Time) {
	date := func(d time.Time) *string {
		if d.IsZero() {
			return nil
		}
		s := d.Format(core.DateLayout)
		return &s
	}
	out := make([]TaskView, 0, len(tasks))
	for _, tk := range tasks {
		out = append(out, TaskView{Number: tk.Number, Title: tk.Title, Status: tk.Status, Developer: tk.Developer,
			Start: date(tk.Start), Due: date(tk.Due), Progress: tk.Progress, Overdue: tk.Overdue(now)})
	}
	t.Tasks = &out
}

func MessageViewOf(m core.Message) MessageView {
	atts := m.Attachments
	if atts == nil {
		atts = []core.Attachment{}
	}
	return MessageView{ID: m.ID, Direction: m.Direction, From: m.From, MessageID: "<" + m.MessageID + ">",
		Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, Auto: m.Auto, AutoReason: m.AutoReason,
		Attachments: atts, CreatedAt: m.CreatedAt, Auth: AuthViewOf(m.Auth)}
}

// ParticipantView is one of a ticket's people: role is requester or
// participant (docs/rules.md §1).
type ParticipantView struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func WithParticipants(t *TicketView, requester string, ps []core.Participant) {
	out := []ParticipantView{{Email: requester, Role: core.RoleRequester}}
	for _, p := range ps {
		out = append(out, ParticipantView{Email: p.Email, Role: core.RoleParticipant})
	}
	t.Participants = &out
}

// AuthView is a message's sender check in `ticket show --json`: dmarc,
// spf and dkim are each pass, fail, none or temperror (DESIGN.md).
type AuthView struct {
	DMARC         string `json:"dmarc"`
	SPF           string `json:"spf"`
	DKIM          string `json:"dkim"`
	Domain        string `json:"domain"`
	Policy        string `json:"policy,omitempty"`
	Authenticated bool   `json:"authenticated"`
}

func AuthViewOf(a *core.Auth) *AuthView {
	if a == nil {
		return nil
	}
	or := func(s string) string {
		if s == "" {
			return core.AuthNone
		}
		return s
	}
	return &AuthView{DMARC: or(a.DMARC), SPF: or(a.SPF), DKIM: or(a.DKIM), Domain: a.Domain,
		Policy: a.Policy, Authenticated: a.Authenticated()}
}

// MergedChargeView is a ledger entry of a ticket merged into this one.
type MergedChargeView struct {
	Ticket int64     `json:"ticket"`
	Kind   string    `json:"kind"`
	Amount int       `json:"amount"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// WithMerges adds a ticket's merges (from `ticket show`) to its view.
func WithMerges(t *TicketView, m *store.TicketMerges) {
	if m == nil {
		return
	}
	if m.Into != 0 {
		into := m.Into
		t.MergedInto = &into
	}
	t.Merged = m.From
	for _, e := range m.Charges {
		t.MergedCharges = append(t.MergedCharges, MergedChargeView{Ticket: e.Ticket, Kind: e.Kind, Amount: e.Amount,
			By: e.By, Reason: e.Reason, At: e.At})
	}
}
