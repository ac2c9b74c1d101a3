package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"helpdesk/core"
)

// Log attribute keys.
const (
	keyOutboxID  = "outbox_id"
	keyTicket    = "ticket"
	keyKind      = "kind"
	keyMessageID = "message_id"
	keyChannel   = "channel"
	keyAttempt   = "attempt"
	keyNext      = "next_attempt"
	keyError     = "err"
	keyLane      = "lane"
)

// Defaults for the zero values of Options.
const (
	DefaultPollInterval = 10 * time.Second
	DefaultMaxAttempts  = 20
	DefaultBatchSize    = 400
	DefaultSendTimeout  = 5 * time.Minute
	DefaultConcurrency  = 8
	// DefaultClaimRenew is a quarter of the claim a PostgreSQL store
	// gives a row (store.OutboxClaim, 2 minutes).
	DefaultClaimRenew = 30 * time.Second
)

// recordTimeout bounds writing a row's result. The write runs even while
// shutting down, because the side effect has happened either way.
const recordTimeout = 10 * time.Second

// Options configure a Worker. The zero value of each field is usable
// except From, which email rows need.
type Options struct {
	// From is the sender of every mail: its From header, and its address
	// is the envelope sender (MAIL FROM). An invalid From makes every
	// email row dead.
	From core.Address
	// DKIM, when set, signs every mail as the last step before it is
	// sent; a signing failure makes the row dead. nil signs nothing.
	DKIM *DKIMSigner
	// Channels maps a department to its Slack channel ID. A Slack row for
	// a department missing here is dead at once.
	Channels map[string]string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().With("component", "outbound").
	Logger *slog.Logger
	// PollInterval is how long Run waits between passes when no Kick
	// comes; zero means DefaultPollInterval. It is the latency of retries,
	// not of new rows, for which core's caller kicks the worker.
	PollInterval time.Duration
	// MaxAttempts is how many times a row is tried before it is dead;
	// zero means DefaultMaxAttempts.
	MaxAttempts int
	// RetryBase is the delay after a row's first failure, doubled after
	// each further one up to an hour; zero means 30 s.
	RetryBase time.Duration
	// BatchSize is how many due rows are read at a time; zero means
	// DefaultBatchSize.
	BatchSize int
	// SendTimeout bounds one row's send; zero means DefaultSendTimeout.
	SendTimeout time.Duration
	// Concurrency is how many rows of a lane (mail, Slack) are sent at
	// once; zero means DefaultConcurrency, 1 sends one row at a time. A
	// ticket's rows of one lane still go one after the other, and a lane
	// sends one row at a time until a row went through (at the start,
	// and after each failure).
	Concurrency int
	// ClaimRenew is how often a batch renews its rows' claims while it
	// runs, when the queue is a ClaimQueue; zero means
	// DefaultClaimRenew. It must be well under the claim's length.
	ClaimRenew time.Duration
	// Rand returns a number in [0, 1) for back-off jitter; nil means
	// math/rand/v2.Float64. Tests fix it to get exact retry times.
	Rand func() float64
	// Hold, when set, is asked before each due row with the row's kind;
	// true leaves the row pending and untouched (no attempt is counted),
	// and the ticket's later rows in the same lane wait behind it. A
	// disabled channel holds its rows this way; Kick the worker when it
	// is enabled again. nil holds nothing.
	Hold func(kind string) bool
	// UploadMaxBytes is the largest customer file uploaded into a
	// ticket's thread; larger ones are named there with their size. Zero
	// means core.DefaultUploadMaxBytes.
	UploadMaxBytes int
	// Journal, when set, records each row that went out until the
	// database says so (journal.go); Unmarked are the rows it held when
	// opened, which the first pass marks sent before it sends anything.
	Journal  *Journal
	Unmarked []JournalEntry
	// Report, when set, is called after each attempt with the row's kind
	// and the send error, nil when the row was sent: for metrics and the
	// channels' last success and last error. It must not block, and it
	// is called from several goroutines at once.
	Report func(kind string, err error)
	// Delivered, when set, is called after a sent row is marked done,
	// with the row and when the send ended (its latency is at minus
	// CreatedAt). It must not block. nil tells nothing.
	Delivered func(it core.OutboxItem, at time.Time)
}

// Worker sends outbox rows. Run and Drain may be called from different
// goroutines; passes never overlap.
type Worker struct {
	q    Queue
	mail Mailer
	sl   Slack
	opts Options
	log  *slog.Logger
	kick chan struct{}

	mu sync.Mutex // held for a whole pass
	// holds keeps the lanes (mail, Slack) of tickets with a row waiting
	// for its retry, so that the lane's later rows do not overtake it in a
	// later pass. It lives in memory only; after a restart the store's Due
	// keeps the same order.
	holds map[holdKey]hold
	// breakers pause a lane whose channel looks down (breaker.go); a
	// lane's is made when its first row comes.
	breakers map[core.Lane]*breaker
	// unmarked are rows that went out but are not marked sent yet.
	unmarked []JournalEntry
	// channels, once SetChannels is called, replace opts.Channels.
	channels atomic.Pointer[map[string]string]
	// threads are the tickets' cards posted but not marked yet.
	threads threadCache
}

// NewWorker returns a worker that drains q, mailing with m and posting to
// Slack with s. q and m must not be nil; a nil s means NewSlackLog.
func NewWorker(q Queue, m Mailer, s Slack, opts Options) *Worker {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default().With("component", "outbound")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = firstRetry
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = DefaultSendTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.ClaimRenew <= 0 {
		opts.ClaimRenew = DefaultClaimRenew
	}
	if opts.UploadMaxBytes <= 0 {
		opts.UploadMaxBytes = core.DefaultUploadMaxBytes
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	if s == nil {
		s = NewSlackLog(opts.Logger)
	}
	return &Worker{
		q: q, mail: m, sl: s, opts: opts, log: opts.Logger,
		kick:     make(chan struct{}, 1),
		holds:    map[holdKey]hold{},
		breakers: map[core.Lane]*breaker{},
		unmarked: opts.Unmarked,
		threads:  threadCache{m: map[int64]cachedThread{}},
	}
}

// Kick wakes Run for a pass now, without blocking. Call it after
// committing new outbox rows.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default: // a pass is already due
	}
}

// Run makes a pass, then waits for a Kick or PollInterval, until ctx is
// done; it then returns nil. A failed pass (storage unavailable) is logged
// and the next one tries again.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(w.opts.PollInterval)
	defer timer.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.log.ErrorContext(ctx, "outbox pass failed", keyError, err)
		}
		timer.Reset(w.opts.PollInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-timer.C:
		}
	}
}

// Drain makes one pass over the rows due now, in ID order, and returns
// how many it sent. Rows of different tickets go out concurrently (up to
// Options.Concurrency a lane), a ticket's rows of one lane in order. Rows
// sent are marked a few dozen to a transaction, journaled until then.
// Failed rows are recorded for retry (or as dead) and do not make Drain
// fail. Once a row of a ticket fails or has to wait, the ticket's later
// rows in the same lane wait too: mail waits behind mail, Slack behind
// Slack, and neither behind the other.
//
// Drain returns an error when the queue does: reading the due rows fails,
// or recording a result fails (the error then says whether the side effect
// happened). It also returns when ctx is done, leaving the rows not yet
// sent untouched; those sent are marked first.
func (w *Worker) Drain(ctx context.Context) (sent int, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()

	now := w.opts.Now()
	if err := w.markUnmarked(ctx, now); err != nil {
		return 0, err
	}
	for k, h := range w.holds {
		if !now.Before(h.until) {
			delete(w.holds, k)
		}
	}
	p := &pass{w: w, now: now, holds: map[holdKey]hold{}, unheld: map[holdKey]hold{}}
	seen := map[int64]bool{}
	limit := w.opts.BatchSize
	for {
		items, err := w.q.Due(ctx, now, limit)
		if err != nil {
			return p.sent, fmt.Errorf("outbox: read due rows: %w", err)
		}
		var fresh []core.OutboxItem
		for _, it := range items {
			if !seen[it.ID] { // else held back earlier in this pass, still pending
				seen[it.ID] = true
				fresh = append(fresh, it)
			}
		}
		p.woke = false
		err = p.batch(ctx, fresh)
		p.release()
		if err != nil {
			return p.sent, err
		}
		// Rows woken in the batch were not due when it was read.
		if len(items) < limit && !p.woke {
			return p.sent, nil
		}
		// Rows held back above stay due, so a full batch of nothing but
		// them is read again with a larger limit, to reach the rows behind
		// (a disabled relay must not hold back Slack).
		if len(fresh) == 0 {
			limit *= 2
		}
	}
}

// outcome is what became of a row in a pass.
type outcome int

const (
	outcomeSent    outcome = iota
	outcomeRetry           // failed, retried at next
	outcomeWaiting         // a row waiting for the ticket's parent message, retried at next
	outcomeDead            // failed for good
)

// process performs one row and records a failure, with the time of the
// next attempt for a retried row. A row that went out is journaled and
// returned in mark, for the batch's mark. err is set only when recording
// failed or ctx is done.
func (w *Worker) process(ctx context.Context, it core.OutboxItem, now time.Time) (res outcome, next time.Time, mark sentRow, err error) {
	log := w.log.With(keyOutboxID, it.ID, keyTicket, it.Ticket, keyKind, it.Kind)

	start := w.opts.Now()
	sendErr := w.perform(ctx, it, now, log)
	mark.entry = JournalEntry{ID: it.ID, Ticket: it.Ticket, Kind: it.Kind}
	if it.Kind == core.OutboxSlackTicket && sendErr == nil {
		mark.entry.Channel, mark.entry.TS = w.threads.get(it.Ticket)
	} else if ch, ts, ok := w.threads.madeBy(it.Ticket, it.ID); ok && sendErr == nil {
		// A thread row that posted a new parent for a dead card.
		mark.entry.Channel, mark.entry.TS = ch, ts
	}
	if j := w.opts.Journal; j != nil && sendErr == nil {
		// First thing after the relay's 250 or Slack's answer.
		if err := j.add(mark.entry); err != nil {
			log.WarnContext(ctx, "outbox row sent but not journaled; a crash before it is marked sends it again", keyError, err)
		} else {
			mark.journaled = true
		}
	}
	end := w.opts.Now()
	dur := end.Sub(start)
	if sendErr != nil && ctx.Err() != nil {
		// Shutting down: the failure says nothing about the row, so it is
		// not counted as an attempt.
		return 0, next, mark, fmt.Errorf("send outbox %d: %w", it.ID, ctx.Err())
	}
	if w.opts.Report != nil && !errors.Is(sendErr, errWaitThread) {
		w.opts.Report(it.Kind, sendErr)
	}
	if sendErr == nil {
		mark.at, mark.dur, mark.item = end, dur, it
		return outcomeSent, next, mark, nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()

	attempt := it.Attempts + 1
	errText := truncate(sendErr.Error(), 1000)
	if IsPermanent(sendErr) || attempt >= w.opts.MaxAttempts {
		if !IsPermanent(sendErr) {
			errText = truncate(fmt.Sprintf("gave up after %d attempts: %s", attempt, sendErr), 1000)
		}
		if err := w.q.Dead(rctx, it.ID, end, dur, errText); err != nil {
			return 0, next, mark, fmt.Errorf("outbox %d: mark dead: %w", it.ID, err)
		}
		log.ErrorContext(ctx, "outbox row failed for good", keyAttempt, attempt, keyError, sendErr)
		return outcomeDead, next, mark, nil
	}

	next = now.Add(max(backoffFrom(w.opts.RetryBase, it.Attempts, w.opts.Rand()), retryAfter(sendErr)))
	if err := w.q.Retry(rctx, it.ID, end, next, dur, errText); err != nil {
		return 0, next, mark, fmt.Errorf("outbox %d: record retry: %w", it.ID, err)
	}
	res, level := outcomeRetry, slog.LevelWarn
	if errors.Is(sendErr, errWaitThread) {
		res, level = outcomeWaiting, slog.LevelInfo
	}
	log.Log(ctx, level, "outbox row will be retried", keyAttempt, attempt, keyNext, next, keyError, sendErr)
	return res, next, mark, nil
}

// markUnmarked marks sent the rows that went out but were not marked:
// those the journal held at start, or whose mark failed. Nothing is sent
// before they are, or they would go out twice.
func (w *Worker) markUnmarked(ctx context.Context, now time.Time) error {
	if len(w.unmarked) == 0 {
		return nil
	}
	marked := 0
	for _, e := range w.unmarked {
		was, err := w.q.MarkSent(ctx, e.sent(now, 0), e.Kind)
		if err != nil {
			return fmt.Errorf("outbox: mark journaled row %d sent: %w", e.ID, err)
		}
		if was {
			marked++
		}
		w.threads.forget(e)
	}
	if marked > 0 {
		w.log.InfoContext(ctx, "marked rows sent that went out before a restart", "rows", marked)
	}
	w.unmarked = nil
	if j := w.opts.Journal; j != nil {
		if err := j.clear(); err != nil {
			w.log.WarnContext(ctx, "outbox journal not cleared", keyError, err)
		}
	}
	return nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
