package outbound

import (
	"context"
	"fmt"
	"slices"
	"time"

	"helpdesk/core"
)

// A pass sends the batches of rows that Drain reads. In a batch, rows
// go out concurrently, up to Options.Concurrency a lane (fewer while the
// lane's breaker says so), and a row waits while an earlier row of its
// ticket's lane is in flight: it is then sent, or held, once that row's
// outcome is known, as if the rows had gone out one by one. The rows sent
// are marked while the batch goes on and all are marked before the next
// batch is read (marks.go); the journal holds them until then, so that a
// crash in between does not send them twice.
//
// Only the goroutine that runs batch touches the pass, the holds and the
// breakers; the sends and the marks' transactions report back on
// channels.
type pass struct {
	w     *Worker
	now   time.Time
	holds map[holdKey]hold // lanes with a failed or waiting row in this pass
	sent  int
	// woke is set when a lane was woken in the batch: rows not due when
	// it was read are due now. unheld are the holds the wake ends, once
	// the batch is over (release).
	woke   bool
	unheld map[holdKey]hold

	// For the batch in progress:
	results chan sendResult
	busy    map[holdKey]bool  // lanes of tickets with a row in flight
	lanes   map[core.Lane]int // rows in flight by lane
	present []core.Lane       // the lanes of the batch's rows
	flying  int
	marks   marks
}

// sentRow is a row that went out, to be marked sent.
type sentRow struct {
	item      core.OutboxItem // for Options.Delivered
	entry     JournalEntry
	journaled bool
	at        time.Time
	dur       time.Duration
}

// sendResult is what process made of a row.
type sendResult struct {
	it   core.OutboxItem
	res  outcome
	next time.Time
	mark sentRow
	err  error
}

// batch sends items (in ID order), settles each outcome as it comes, and
// marks the rows sent while it goes on (marks.go). After an error it
// sends nothing more, waits for the rows in flight, marks those sent and
// returns the first error.
func (p *pass) batch(ctx context.Context, items []core.OutboxItem) error {
	p.results = make(chan sendResult)
	p.busy, p.lanes, p.flying, p.present = map[holdKey]bool{}, map[core.Lane]int{}, 0, nil
	p.marks = marks{done: make(chan markResult, 1)}
	// The rows waiting are pointers: dispatch runs after every outcome
	// and moves the waiting rows up past those it started.
	waiting := make([]*core.OutboxItem, len(items))
	for i := range items {
		waiting[i] = &items[i]
		if l := laneOf(items[i]); !slices.Contains(p.present, l) {
			p.present = append(p.present, l)
		}
	}
	renew, stop := p.renewClaims(ctx, items)
	defer stop()
	var first error
	for {
		if first == nil && p.marks.err == nil {
			waiting = p.dispatch(ctx, waiting)
		}
		p.startMark(ctx)
		if p.flying == 0 {
			break
		}
		select {
		case <-renew.C:
			renew.do()
		case r := <-p.results:
			p.flying--
			p.lanes[laneOf(r.it)]--
			delete(p.busy, keyOf(r.it))
			if r.err == nil {
				r.err = p.settle(ctx, r)
			}
			if r.err != nil && first == nil {
				first = r.err
			}
		case m := <-p.marks.done:
			p.markSettled(ctx, m)
		}
	}
	if err := p.finishMarks(ctx); err != nil {
		return err
	}
	return first
}

// claimRenewal renews a batch's claims each time C fires.
type claimRenewal struct {
	C  <-chan time.Time // nil when the queue has no claims
	do func()
}

// renewClaims starts renewing the claims of the batch's rows every
// Options.ClaimRenew, when the queue is a ClaimQueue, until stop. Every
// row of the batch is renewed: the store takes only those still pending
// and claimed by this gateway, which covers the rows waiting, in flight
// and sent but not marked yet.
func (p *pass) renewClaims(ctx context.Context, items []core.OutboxItem) (r claimRenewal, stop func()) {
	cq, ok := p.w.q.(ClaimQueue)
	if !ok || len(items) == 0 {
		return r, func() {}
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	tick := time.NewTicker(p.w.opts.ClaimRenew)
	r.C = tick.C
	r.do = func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
		if err := cq.RenewClaims(rctx, ids); err != nil {
			p.w.log.WarnContext(ctx, "outbox claims not renewed: once they end, another gateway may send this batch's rows too",
				"rows", len(ids), keyError, err)
		}
	}
	return r, tick.Stop
}

// dispatch starts the rows of items that may go now and returns those
// that must wait for a row in flight or for room in their lane, in
// order. The rows it neither starts nor keeps are held for this pass.
//
// While every lane is full no row can start, and the rest wait unread:
// with a batch of hundreds of rows and a few in flight, reading them all
// after each outcome cost more than building the mails. Each row is
// still read with the holds and breakers as they are when a lane has
// room, and every row is read before the batch ends, when nothing flies.
func (p *pass) dispatch(ctx context.Context, items []*core.OutboxItem) []*core.OutboxItem {
	w := p.w
	keep := items[:0]
	for i, it := range items {
		if p.full() {
			return append(keep, items[i:]...)
		}
		k, l := keyOf(*it), laneOf(*it)
		if it.Ticket != 0 && p.busy[k] {
			keep = append(keep, it) // its ticket's earlier row decides
			continue
		}
		if held(*it, p.holds, w.holds) {
			continue
		}
		b := w.breakers[l]
		if b == nil {
			b = &breaker{}
			w.breakers[l] = b
		}
		if w.opts.Hold != nil && w.opts.Hold(it.Kind) || b.paused(p.now) {
			if it.Ticket != 0 {
				addHold(p.holds, k, hold{})
			}
			continue
		}
		if p.lanes[l] >= b.width(w.opts.Concurrency) {
			keep = append(keep, it)
			continue
		}
		if it.Ticket != 0 {
			p.busy[k] = true
		}
		p.lanes[l]++
		p.flying++
		go func() {
			res, next, mark, err := w.process(ctx, *it, p.now)
			p.results <- sendResult{it: *it, res: res, next: next, mark: mark, err: err}
		}()
	}
	return keep
}

// full reports whether every lane of the batch has as many rows in
// flight as it may.
func (p *pass) full() bool {
	for _, l := range p.present {
		b := p.w.breakers[l]
		if b == nil || p.lanes[l] < b.width(p.w.opts.Concurrency) {
			return false
		}
	}
	return true
}

// settle updates the lane's breaker and the ticket's holds from a row's
// outcome, and queues a row that went out for the batch's mark.
func (p *pass) settle(ctx context.Context, r sendResult) error {
	w, it, l := p.w, r.it, laneOf(r.it)
	b := w.breakers[l]
	reopened := false
	switch r.res {
	case outcomeSent, outcomeDead:
		if reopened = b.answered(); reopened {
			w.log.InfoContext(ctx, "channel answers again", keyLane, l)
		}
	case outcomeRetry:
		if b.failed(p.now) {
			w.log.WarnContext(ctx, "channel looks down: its rows wait, one is tried when the pause ends",
				keyLane, l, "failures_in_a_row", b.fails, "pause", b.until.Sub(p.now))
		}
	}
	switch {
	case r.res == outcomeSent:
		p.sent++
		p.marks.pending = append(p.marks.pending, r.mark)
		if it.Attempts > 0 || reopened {
			if err := p.wake(ctx, l); err != nil {
				return err
			}
		}
	case it.Ticket == 0: // no ticket, no order to keep
	case r.res == outcomeDead:
		addHold(p.holds, keyOf(it), hold{})
	default:
		h := hold{threadOnly: r.res == outcomeWaiting}
		addHold(p.holds, keyOf(it), h)
		h.until = r.next
		addHold(w.holds, keyOf(it), h)
	}
	return nil
}

// wake is called when a row that had failed went through: its channel is
// back, so the lane's other failed rows are made due at once instead of
// waiting out their back-off, and their holds end with the batch.
func (p *pass) wake(ctx context.Context, l core.Lane) error {
	if err := p.w.q.Wake(ctx, l); err != nil {
		return fmt.Errorf("outbox: wake the %s lane: %w", l, err)
	}
	for k, h := range p.w.holds {
		if k.lane == l && !h.threadOnly {
			p.unheld[k] = h
		}
	}
	p.woke = true
	return nil
}

// release ends the holds that wakes in the batch ended, once the batch is
// over. Not sooner: a held ticket's row that was not due when the batch
// was read is not in it, and the ticket's later rows in the batch must
// not pass it; the next read of the due rows has it. A hold set after
// the wake (by a row in flight then) stays.
func (p *pass) release() {
	for k, h := range p.unheld {
		if p.w.holds[k] == h {
			delete(p.w.holds, k)
		}
	}
	clear(p.unheld)
}

// markError says which rows went out but could not be marked sent, and
// what becomes of them.
func markError(rows []sentRow, journaled int, err error) error {
	e := rows[0].entry
	what := fmt.Sprintf("outbox %d (ticket %d, %s)", e.ID, e.Ticket, e.Kind)
	if len(rows) > 1 {
		what = fmt.Sprintf("%s and %d other rows", what, len(rows)-1)
	}
	switch journaled {
	case len(rows):
		return fmt.Errorf("%s WAS SENT but marking it done failed; the next pass marks it from the journal: %w", what, err)
	case 0:
		return fmt.Errorf("%s WAS SENT but marking it done failed; it will be sent again (an email keeps its Message-ID): %w", what, err)
	}
	return fmt.Errorf("%s WAS SENT but marking it done failed; the next pass marks the %d journaled, "+
		"the others will be sent again (an email keeps its Message-ID): %w", what, journaled, err)
}
