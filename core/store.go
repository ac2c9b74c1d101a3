package core

import (
	"context"
	"time"
)

// Store runs transactions. Package store implements it on SQLite.
type Store interface {
	// Tx runs fn in one write transaction and commits it when fn returns
	// nil. Any error from fn rolls everything back. The returned error
	// has code ETEMPORARY when the database could not be written for a
	// reason that may pass (busy, full disk).
	Tx(ctx context.Context, fn func(Tx) error) error
	// Batch runs fns in one transaction and commits once: errs[i] is
	// fns[i]'s error, and a failed fn rolls back only its own changes, as
	// if each ran in a savepoint. err is the transaction's (begin,
	// commit), in which case nothing of the batch was stored. A store may
	// run a fn more than once (a first try of the whole batch without
	// savepoints, rolled back if one fails): only the last run's changes
	// are committed, so a fn must not have effects outside the
	// transaction that a second run would repeat. Options.NoGroupCommit
	// keeps the service from using it for concurrent callers.
	Batch(ctx context.Context, fns []func(Tx) error) (errs []error, err error)
}

// Tx is what the rules read and write inside one transaction. Lookups
// return an *Error with code ENOTFOUND when nothing matches. Every rule
// may need any part of it, so a store implements all of it: the parts
// are named only to group their documentation.
type Tx interface {
	SlackTx
	MailGuardTx
	CreditsTx
	SplitTx
	ParticipantTx
	AnswerGuardTx
	AccountTicketsTx
	PolicyTx
	AccountsTx
	BounceTx
	TagTx
	ReplyTemplateTx
	CustomChargeTx
	TicketMergeTx
	FilesTx
	AssignTx

	Profile(ctx context.Context, id int64) (*Profile, error)
	ProfileByEmail(ctx context.Context, email string) (*Profile, error)
	Account(ctx context.Context, id int64) (*Account, error)
	CreateAccount(ctx context.Context, a *Account) error // sets a.ID
	CreateProfile(ctx context.Context, p *Profile) error // sets p.ID
	// UpdateProfile writes p, its account and role too.
	UpdateProfile(ctx context.Context, p *Profile) error
	UpdateAccount(ctx context.Context, a *Account) error
	// PriorityStats sums the priority levels of the account's tickets
	// opened since the given time, and counts them.
	PriorityStats(ctx context.Context, account int64, since time.Time) (sum, n int, err error)
	// SetAccountRank re-ranks the account's open tickets with its factor.
	SetAccountRank(ctx context.Context, account int64, factor float64) error

	Ticket(ctx context.Context, number int64) (*Ticket, error)
	// TicketByMessageID finds the ticket that a stored or sent message
	// with this Message-ID belongs to.
	TicketByMessageID(ctx context.Context, messageID string) (int64, error)
	CreateTicket(ctx context.Context, t *Ticket) error // sets t.Number
	UpdateTicket(ctx context.Context, t *Ticket) error
	// SweepDue returns the tickets whose timers may be due.
	SweepDue(ctx context.Context, q SweepQuery) ([]int64, error)
	// ThreadMessageIDs returns the last n Message-IDs of the ticket's
	// mail, received and sent, oldest first: the References of a notice.
	ThreadMessageIDs(ctx context.Context, ticket int64, n int) ([]string, error)

	// FirstMessage returns the message that opened the ticket, which
	// its Slack card shows.
	FirstMessage(ctx context.Context, ticket int64) (*Message, error)

	Tasks(ctx context.Context, ticket int64) ([]Task, error)
	CreateTask(ctx context.Context, t *Task) error // sets ID and Number
	UpdateTask(ctx context.Context, t *Task) error
	// TasksDueOn returns the unfinished tasks of open tickets due on one
	// of days ("2006-01-02"), for the sweep to redraw their cards.
	TasksDueOn(ctx context.Context, days []string) ([]Task, error)

	// AddMessage stores m and indexes its Message-ID. It returns an
	// *Error with code ECONFLICT when the same mail (Message-ID and body
	// hash) is stored already.
	AddMessage(ctx context.Context, m *Message) error // sets m.ID
	// IndexSent records the Message-ID of a mail the gateway will send.
	IndexSent(ctx context.Context, messageID string, ticket int64) error

	Enqueue(ctx context.Context, item *OutboxItem) error // sets item.ID
	// Quarantine keeps a mail out of every ticket (docs/rules.md §6).
	Quarantine(ctx context.Context, q *Quarantined) error // sets q.ID
}
