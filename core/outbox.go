package core

import "time"

// Outbox kinds: each is one side effect that package outbound performs.
const (
	OutboxEmail       = "email"        // a notice to a customer (EmailNotice)
	OutboxSlackTicket = "slack_ticket" // the ticket's parent message (SlackPost)
	OutboxSlackReply  = "slack_reply"  // a message in the ticket's thread (SlackPost)
)

// OutboxItem is one side effect waiting to be performed. Core writes it in
// the same transaction as the change it belongs to; outbound sends it.
type OutboxItem struct {
	ID          int64
	Kind        string
	Ticket      int64
	Payload     []byte // JSON of EmailNotice or SlackPost
	Attempts    int
	NextAttempt time.Time
	CreatedAt   time.Time
	LastError   string
}

// Notice templates.
const (
	TemplateAck = "ack" // acknowledgment of a new ticket
)

// EmailNotice is the payload of an OutboxEmail row: everything needed to
// render and send the mail, fixed when the row is written so that a retry
// sends the same mail with the same Message-ID.
type EmailNotice struct {
	Template   string   `json:"template"`
	MessageID  string   `json:"message_id"` // ours, without angle brackets
	To         Address  `json:"to"`
	ReplyTo    string   `json:"reply_to"` // address carrying a signed token
	Subject    string   `json:"subject"`  // with the [#N] tag
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	Data       Notice   `json:"data"`
}

// Notice is what a template may show. Every string here may come from a
// customer and is escaped by the renderer.
type Notice struct {
	Number  int64  `json:"number"`
	Subject string `json:"subject"`
	Name    string `json:"name"`
	Text    string `json:"text"`
	Ref     string `json:"ref"` // the signed reference shown in the footer
}

// SlackPost is the payload of the Slack outbox kinds. The channel is
// resolved from Department when the row is sent.
type SlackPost struct {
	Department  string       `json:"department"`
	Number      int64        `json:"number"`
	Subject     string       `json:"subject"`
	Status      string       `json:"status"`
	Type        string       `json:"type"`
	Priority    string       `json:"priority"`
	Account     string       `json:"account"`
	From        string       `json:"from"`
	Text        string       `json:"text"`
	Quoted      string       `json:"quoted,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}
