package core

import "time"

// Account kinds (docs/rules.md §1).
const (
	AccountCustomer = "customer"
	AccountPresales = "presales" // no license yet; unknown senders start here
)

// Profile roles (docs/rules.md §1).
const (
	RolePrimary           = "primary"
	RoleAdvancedSecondary = "advanced_secondary"
	RoleSecondary         = "secondary"
)

// Ticket statuses (docs/rules.md §2).
const (
	StatusSubmitted  = "submitted"
	StatusAssigned   = "assigned"
	StatusInProgress = "in_progress"
	StatusPreClosed  = "pre_closed"
	StatusClosed     = "closed"
	StatusReopened   = "reopened"
)

// Ticket types (docs/rules.md §2).
const (
	TypeSupport = "support"
	TypeSales   = "sales"
	TypeProject = "project"
	TypeGeneric = "generic"
)

// Message directions.
const (
	DirInbound  = "inbound"
	DirOutbound = "outbound"
	DirNote     = "note"
)

// Account is a customer company.
type Account struct {
	ID        int64
	Kind      string
	Name      string
	CreatedAt time.Time

	// HotRush (docs/rules.md §3): how often the account switched HotRush off
	// outside submitted, its support subscription, unused incident
	// packages.
	HotRushDisables   int
	SubscriptionUntil time.Time
	Incidents         int
	// PriorityFactor is the fairness factor of docs/rules.md §3, kept current
	// as the account's tickets are opened and re-prioritised.
	PriorityFactor float64
	// Credits is the balance of support credits (docs/rules.md §5) as read;
	// only ledger postings change it, never UpdateAccount.
	Credits int
	// Preagree makes every new ticket of the account pre-agreed.
	Preagree bool
	// MergedInto is the account this one was merged into (docs/rules.md
	// §1), 0 when it was not: a merged account is kept, empty, so old
	// references to it resolve.
	MergedInto int64
}

// Profile is a person of an account, keyed by email address (lower case).
type Profile struct {
	ID        int64
	AccountID int64
	Email     string
	Name      string
	Role      string
	CreatedAt time.Time
	// BouncingSince is set when mail to the address bounced; it is not
	// mailed until it writes again. BounceStatus is the DSN status.
	BouncingSince time.Time
	BounceStatus  string
	// Language is the language the person chose for our mails (LangEN,
	// LangRU; "" when not chosen), by #lang or the CLI. MailLanguage is
	// the one their latest mail was written in, "" when not told.
	Language     string
	MailLanguage string
	// NotificationsOff stops automatic notices (acknowledgments, status
	// changes); staff answers still go (docs/rules.md §1).
	NotificationsOff bool
}

// Ticket is one customer request. Number is its public number ([#N]).
type Ticket struct {
	Number       int64
	AccountID    int64
	ProfileID    int64 // who opened it
	Department   string
	Type         string
	Status       string
	Priority     string
	HotRush      bool
	Subject      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	SlackChannel string // set once the parent message is posted
	SlackTS      string

	Assignee      string    // agent id; "" when unassigned
	Solved        bool      // an agent marked it solved (starts the pre-close timer)
	HotRushPaid   bool      // turning HotRush on consumed an incident package
	LastPublicAt  time.Time // last public message from either side ("idle" counts from here)
	StatusAt      time.Time // when the status last changed
	ClosedAt      time.Time
	Predecessor   int64 // the closed ticket this one follows; 0 for none
	RatingScore   int   // 1–5; 0 when not rated
	RatingComment string
	// AwaitingReply: the customer wrote last and waits for staff.
	AwaitingReply bool
	// Rank is the effective priority, level × the account's factor.
	Rank float64
	// Service level (docs/rules.md §4): the clock of the current wait.
	SLAState  string // none, ok, at_risk, breached, met
	SLAStart  time.Time
	SLARiskAt time.Time
	SLADue    time.Time
	// Support credits (docs/rules.md §5).
	Category  int    // 1–3 as assessed by an agent; 0 until then
	Charged   int    // credits charged for the ticket, net of refunds
	Preagreed bool   // the customer agreed to the charge when opening it
	Hold      string // what staff answers wait for: "", HoldConfirmation, HoldCredits
	Answered  bool   // a staff answer was mailed
}

// Task is one task of a project ticket (docs/rules.md §2).
type Task struct {
	ID        int64
	Ticket    int64
	Number    int
	Title     string
	Status    string
	UpdatedAt time.Time
	// Developer is who works on it, as staff name them ("" when not
	// set); Start and Due its time frame, dates at midnight UTC (zero
	// when not set); Progress is done in percent, 0–100.
	Developer  string
	Start, Due time.Time
	Progress   int
}

// Message is one message of a ticket, or an inbound mail that belongs to
// no ticket (an auto-reply that matched nothing): then Ticket is 0.
type Message struct {
	ID          int64
	Ticket      int64
	Direction   string
	ProfileID   int64 // 0 when the sender is no profile
	From        string
	MessageID   string // RFC 5322 Message-ID without angle brackets
	BodyHash    string
	Subject     string
	Text        string // the new text only
	Quoted      string // the history and signature cut from it
	Auto        bool
	AutoReason  string
	Attachments []Attachment
	Raw         []byte // the inbound mail exactly as it came
	CreatedAt   time.Time
	// Auth is the sender check of an inbound mail (docs/rules.md §6); nil
	// for other messages and for mail that was not checked.
	Auth *Auth
}
