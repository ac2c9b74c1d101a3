package main

import (
	"time"

	"helpdesk/core"
)

// The JSON shapes of `ticket list|show|find --json` are part of the
// outside contract (DESIGN.md); keys are snake_case and never removed.

type ticketJSON struct {
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
	Account     accountJSON `json:"account"`
	Credits     creditsJSON `json:"credits"`
	SLA         slaJSON     `json:"sla"`
	Predecessor *int64      `json:"predecessor"`
	Rating      *ratingJSON `json:"rating"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	ClosedAt    *time.Time  `json:"closed_at"`
	Tasks       *[]taskJSON `json:"tasks,omitempty"`
	// Participants are the ticket's people, the requester first
	// (DESIGN.md); set by `ticket show`.
	Participants *[]participantJSON `json:"participants,omitempty"`
	Messages     *[]messageJSON     `json:"messages,omitempty"`
}

type taskJSON struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Status string `json:"status"`
}

type accountJSON struct {
	ID           int64  `json:"id"`
	Kind         string `json:"kind"`
	Name         string `json:"name,omitempty"`
	PrimaryEmail string `json:"primary_email"`
}

// creditsJSON is the ticket's support credits (docs/rules.md §5): category
// is null until an agent assesses it; awaiting_confirmation and
// awaiting_credits say what held staff answers wait for.
type creditsJSON struct {
	Category             *int `json:"category"`
	Charged              int  `json:"charged"`
	Preagreed            bool `json:"preagreed"`
	AwaitingConfirmation bool `json:"awaiting_confirmation"`
	AwaitingCredits      bool `json:"awaiting_credits"`
}

type slaJSON struct {
	FirstResponseDue *time.Time `json:"first_response_due"` // null when no customer is waiting
	State            string     `json:"state"`              // ok, at_risk, breached, met, none
	Started          *time.Time `json:"started"`
}

type ratingJSON struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

type messageJSON struct {
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
	Auth *authJSON `json:"auth"`
}

func toTicketJSON(r *core.TicketSummary, msgs []core.Message) ticketJSON {
	t := ticketJSON{
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
		Account:    accountJSON{ID: r.Account.ID, Kind: r.Account.Kind, Name: r.Account.Name, PrimaryEmail: r.Email},
		SLA:        slaJSON{State: r.SLAState, Started: optTime(r.SLAStart)},
		ClosedAt:   optTime(r.ClosedAt),
		CreatedAt:  r.CreatedAt,
		UpdatedAt:  r.UpdatedAt,
	}
	if r.AwaitingReply {
		t.SLA.FirstResponseDue = optTime(r.SLADue)
	}
	t.Credits = creditsJSON{Charged: r.Charged, Preagreed: r.Preagreed,
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
		t.Rating = &ratingJSON{Score: r.RatingScore, Comment: r.RatingComment}
	}
	if msgs != nil {
		ms := make([]messageJSON, 0, len(msgs))
		for _, m := range msgs {
			ms = append(ms, toMessageJSON(m))
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

func withTasks(t *ticketJSON, tasks []core.Task) {
	out := make([]taskJSON, 0, len(tasks))
	for _, tk := range tasks {
		out = append(out, taskJSON{Number: tk.Number, Title: tk.Title, Status: tk.Status})
	}
	t.Tasks = &out
}

func toMessageJSON(m core.Message) messageJSON {
	atts := m.Attachments
	if atts == nil {
		atts = []core.Attachment{}
	}
	return messageJSON{ID: m.ID, Direction: m.Direction, From: m.From, MessageID: "<" + m.MessageID + ">",
		Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, Auto: m.Auto, AutoReason: m.AutoReason,
		Attachments: atts, CreatedAt: m.CreatedAt, Auth: toAuthJSON(m.Auth)}
}

// participantJSON is one of a ticket's people: role is requester or
// participant (docs/rules.md §1).
type participantJSON struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func withParticipants(t *ticketJSON, requester string, ps []core.Participant) {
	out := []participantJSON{{Email: requester, Role: core.RoleRequester}}
	for _, p := range ps {
		out = append(out, participantJSON{Email: p.Email, Role: core.RoleParticipant})
	}
	t.Participants = &out
}
