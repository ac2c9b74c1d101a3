package core

import "time"

// Outbox kinds: each is one side effect that package outbound performs.
const (
	OutboxEmail       = "email"        // a notice to a customer (EmailNotice)
	OutboxSlackTicket = "slack_ticket" // the ticket's parent message (SlackPost)
	OutboxSlackReply  = "slack_reply"  // a message in the ticket's thread (SlackPost)
	OutboxSlackUpdate = "slack_update" // the parent card redrawn in place, chat.update (SlackPost)
	OutboxSlackNotice = "slack_notice" // a notice to the department (SlackNotice)
	OutboxSlackFile   = "slack_file"   // a customer's attachment uploaded into the ticket's thread (SlackUpload)
)

// Lane names the channel an outbox row leaves by. A ticket's rows go out
// in order within their lane, and the lanes do not wait for each other:
// a relay that is down holds back no Slack post, nor Slack a mail.
type Lane string

// Outbox lanes.
const (
	LaneMail  Lane = "mail"  // OutboxEmail rows, through the relay
	LaneSlack Lane = "slack" // the Slack kinds, through the Web API
)

// LaneOf returns the lane of a row of kind.
func LaneOf(kind string) Lane {
	if kind == OutboxEmail {
		return LaneMail
	}
	return LaneSlack
}

// OutboxItem is one side effect waiting to be performed. Core writes it in
// the same transaction as the change it belongs to; outbound sends it.
type OutboxItem struct {
	ID          int64
	Kind        string
	Lane        Lane // LaneOf(Kind) when written by core
	Ticket      int64
	Payload     []byte // JSON of EmailNotice or SlackPost
	Attempts    int
	NextAttempt time.Time // zero: at once
	CreatedAt   time.Time
	LastError   string
}

// OutboxSent is an outbox row that went out, to be marked sent: its
// attempt ended at At and took Duration. A ticket's card (an
// OutboxSlackTicket row) also names where it was posted, which becomes
// the ticket's Slack thread in the same transaction.
type OutboxSent struct {
	ID       int64
	Ticket   int64
	At       time.Time
	Duration time.Duration
	// SlackChannel and SlackTS: the card's message, "" for other rows.
	SlackChannel, SlackTS string
}

// Notice templates.
const (
	TemplateAck      = "ack"      // acknowledgment of a new ticket (Predecessor set when it follows a closed one)
	TemplateReply    = "reply"    // a staff answer (Text, Agent)
	TemplateStatus   = "status"   // the ticket's status changed (Status, Reason)
	TemplateCommands = "commands" // the results of the customer's #commands (Results)
	TemplateCredits  = "credits"  // a charge waits for the customer's confirmation or for credits (Credits)
	TemplateSplit    = "split"    // a message was moved into a ticket of its own (SplitFrom, Text)
	TemplateTickets  = "tickets"  // the open tickets of the sender's account, answering #tickets (Tickets)
	TemplateMerged   = "merged"   // another ticket was merged into this one (MergedFrom)
)

// EmailNotice is the payload of an OutboxEmail row: everything needed to
// render and send the mail, fixed when the row is written so that a retry
// sends the same mail with the same Message-ID.
type EmailNotice struct {
	Template  string    `json:"template"`
	MessageID string    `json:"message_id"`   // ours, without angle brackets
	To        Address   `json:"to"`           // the ticket's requester, or the one person a notice answers
	Cc        []Address `json:"cc,omitempty"` // the ticket's participants, shown in Cc (docs/rules.md §6)
	// Rcpt is the one envelope recipient of this copy when it is not To:
	// each participant gets a copy of their own, with their own ReplyTo.
	Rcpt       string   `json:"rcpt,omitempty"`
	ReplyTo    string   `json:"reply_to"` // address carrying a signed token
	Subject    string   `json:"subject"`  // with the [#N] tag
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	Data       Notice   `json:"data"`
	// ReturnPath is the envelope sender (MAIL FROM): the signed bounce
	// address of this copy, bounces+TOKEN@domain (docs/rules.md §6). ""
	// sends from the From address, as rows written before it existed do.
	ReturnPath string `json:"return_path,omitempty"`
}

// Notice is what a template may show. Every string here may come from a
// customer and is escaped by the renderer.
type Notice struct {
	Number  int64  `json:"number"`
	Subject string `json:"subject"`
	Name    string `json:"name"`
	Text    string `json:"text"`
	Ref     string `json:"ref"` // the signed reference shown in the footer
	// Lang is the language to render in (LangEN, LangRU); "" is LangEN.
	Lang string `json:"lang,omitempty"`

	Status      string   `json:"status,omitempty"`      // TemplateStatus: the new status
	Reason      string   `json:"reason,omitempty"`      // TemplateStatus: why (e.g. "no reply for 5 days")
	Agent       string   `json:"agent,omitempty"`       // TemplateReply: who answered
	Results     []string `json:"results,omitempty"`     // TemplateCommands: one line per command, "done" or why not
	Predecessor int64    `json:"predecessor,omitempty"` // TemplateAck: the closed ticket this one follows

	Credits   *CreditsNotice `json:"credits,omitempty"`    // TemplateCredits
	SplitFrom int64          `json:"split_from,omitempty"` // TemplateSplit: the ticket the message was in
	// MergedFrom is the ticket merged into this one (TemplateMerged).
	MergedFrom int64 `json:"merged_from,omitempty"`

	Tickets []TicketLine `json:"tickets,omitempty"` // TemplateTickets: the account's open tickets
	// Tasks are a project ticket's tasks with their progress, shown in
	// its notices (docs/rules.md §2).
	Tasks []TaskLine `json:"tasks,omitempty"`

	// Files are attached to the mail (TemplateReply: the files the agent
	// shared with the answer); the text names them.
	Files []MailFile `json:"files,omitempty"`
}

// TaskLine is a project task as the card and the customer's notices
// show it; Due is "" when not set, Overdue when it is past without the
// task being finished.
type TaskLine struct {
	Number    int    `json:"number"`
	Title     string `json:"title"`
	Status    string `json:"status"`
	Developer string `json:"developer,omitempty"`
	Start     string `json:"start,omitempty"`
	Due       string `json:"due,omitempty"`
	Progress  int    `json:"progress"`
	Overdue   bool   `json:"overdue,omitempty"`
}

// TicketLine is one ticket of the list that #tickets mails
// (docs/rules.md §6), with the signed address that replies to it.
type TicketLine struct {
	Number       int64  `json:"number"`
	Subject      string `json:"subject"`
	Status       string `json:"status"`
	LastActivity string `json:"last_activity"` // "2026-11-23 09:00 UTC"
	ReplyTo      string `json:"reply_to"`
}

// CreditsNotice is what TemplateCredits shows (docs/rules.md §5).
type CreditsNotice struct {
	// Wait is what the staff answer waits for: HoldConfirmation (the
	// customer's #confirm) or HoldCredits (too few credits).
	Wait     string          `json:"wait"`
	Category int             `json:"category"`
	Cost     int             `json:"cost"`    // the category's whole cost
	Charged  int             `json:"charged"` // charged for the ticket already
	Due      int             `json:"due"`     // what confirming charges now: Cost − Charged
	Balance  int             `json:"balance"` // the account's credits
	Packages []CreditPackage `json:"packages,omitempty"`
	// Reason is set for a custom charge (docs/rules.md §5): Due credits
	// for it, and no category.
	Reason string `json:"reason,omitempty"`
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
	// AuthWarning is set when the message's sender could not be
	// authenticated (docs/rules.md §6), e.g. "sender not authenticated
	// (DMARC fail)"; the card shows it as a warning.
	AuthWarning string `json:"auth_warning,omitempty"`

	// The card's state, for OutboxSlackTicket and OutboxSlackUpdate.
	// Participants are the addresses copied on the ticket besides its
	// requester (docs/rules.md §1).
	Participants []string `json:"participants,omitempty"`
	// Tasks are a project ticket's tasks (docs/rules.md §2), as of the
	// card's drawing.
	Tasks    []TaskLine `json:"tasks,omitempty"`
	HotRush  bool       `json:"hotrush,omitempty"`
	Assignee string     `json:"assignee,omitempty"` // agent id
	Solved   bool       `json:"solved,omitempty"`
	SLADue   *time.Time `json:"sla_due,omitempty"`
	SLAState string     `json:"sla_state,omitempty"` // ok, at_risk, breached, met
	// Event says what changed, shown in the thread for OutboxSlackReply
	// rows that are not a customer's message ("status: closed by the
	// customer"); empty for customer messages.
	Event string `json:"event,omitempty"`
	// Direction of the message in a thread reply: inbound (customer),
	// outbound (staff answer sent by email) or note (internal).
	Direction string `json:"direction,omitempty"`
	// NotMailed marks a staff answer that was stored but mailed to no one
	// (every address bouncing): the thread must not say it was sent.
	NotMailed bool `json:"not_mailed,omitempty"`

	// Tags are the ticket's tags (docs/rules.md §7), for the card.
	Tags []string `json:"tags,omitempty"`

	// Support credits (docs/rules.md §5): the category (0 until assessed),
	// its cost, what is charged, the account's balance, and what held
	// answers wait for ("", HoldConfirmation, HoldCredits).
	Category   int    `json:"category,omitempty"`
	Cost       int    `json:"cost,omitempty"`
	Charged    int    `json:"charged,omitempty"`
	Balance    int    `json:"balance"`
	CreditHold string `json:"credit_hold,omitempty"`
}

// SlackUpload is the payload of OutboxSlackFile: one attachment of a
// stored inbound message, the Index-th of its Attachments. The bytes are
// read from the message's raw mail when the row is sent.
type SlackUpload struct {
	Department string     `json:"department"`
	Number     int64      `json:"number"`
	Message    int64      `json:"message"` // the stored message's id
	Index      int        `json:"index"`
	File       Attachment `json:"file"`
}

// SlackNotice is the payload of OutboxSlackNotice: a message to the
// department's channel (SLA at risk or breached, a bounce, a low rating),
// optionally mentioning users (the department's heads).
type SlackNotice struct {
	Department string   `json:"department"`
	Number     int64    `json:"number,omitempty"`    // the ticket it is about, 0 for none
	Text       string   `json:"text"`                // plain text; escaped by the sender
	Mention    []string `json:"mention,omitempty"`   // Slack user ids to mention
	InThread   bool     `json:"in_thread,omitempty"` // post in the ticket's thread instead of the channel
	// Held is the quarantine id of a mail held by the unknown-sender
	// policy: the notice then carries Accept and Reject buttons.
	Held int64 `json:"held,omitempty"`
}
