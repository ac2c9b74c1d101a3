package outbound

import (
	"context"
	"time"

	"helpdesk/core"
)

// Queue is what the worker needs from storage (package store implements
// it).
type Queue interface {
	// Due returns up to limit pending rows with NextAttempt <= now, in ID
	// order.
	Due(ctx context.Context, now time.Time, limit int) ([]core.OutboxItem, error)
	// DoneAll marks rows sent, all in one transaction, each with its
	// attempt in the row's history; a row no longer pending is left as
	// it is.
	DoneAll(ctx context.Context, rows []core.OutboxSent) error
	// Retry records a failed attempt (attempts+1) and the next attempt
	// time. Retry and Dead each record the attempt in the row's history:
	// it ended at at and took dur.
	Retry(ctx context.Context, id int64, at, next time.Time, dur time.Duration, errText string) error
	// Dead marks a row failed for good; it is never retried automatically.
	Dead(ctx context.Context, id int64, at time.Time, dur time.Duration, errText string) error
	// SlackThread returns the channel and ts of the ticket's parent
	// message, "" when it is not recorded yet. (DoneAll and MarkSent
	// record it, from the card's row.)
	SlackThread(ctx context.Context, ticket int64) (channel, ts string, err error)
	// Wake makes every pending row of the lane that failed before due
	// now. The worker calls it
	// when a row that had failed goes through: the channel is back, and
	// the rest of its backlog should not sit out its back-off.
	Wake(ctx context.Context, lane core.Lane) error
	// MarkSent marks row r.ID sent at r.At if it is still pending and of
	// that ticket and kind, with the card's thread as DoneAll does, and
	// says whether it was: the rows the Journal holds after a restart.
	MarkSent(ctx context.Context, r core.OutboxSent, kind string) (bool, error)
}

// CardQueue is a Queue that tells whether a ticket's card may still be
// posted. With it a thread row waits only for a card that is pending; a
// ticket whose card row is dead gets a new parent message from the next
// row that needs one, instead of every later row waiting for ever.
// Without it thread rows wait for the card. Package store has it.
type CardQueue interface {
	// CardPending reports whether the ticket has a card row
	// (core.OutboxSlackTicket) still pending.
	CardPending(ctx context.Context, ticket int64) (bool, error)
}

// ClaimQueue is a Queue whose rows Due claims for the gateway that read
// them, for a while, so that several gateways on one database do not
// send a row twice. A batch can outlast the claim (a slow relay, a
// send's timeout of minutes), so the worker renews its batch's claims
// every Options.ClaimRenew while the batch runs. Package store has it.
type ClaimQueue interface {
	// RenewClaims extends this gateway's claims on the rows ids that are
	// still pending; it takes no row claimed by another gateway.
	RenewClaims(ctx context.Context, ids []int64) error
}
