package core

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// maxBatch bounds a group commit; larger batches add latency for the
// first caller without saving much more.
const maxBatch = 128

// batchTimeout bounds one group commit. A batch is not cancelled with
// any one caller's context, since it serves them all, but it ends by the
// earliest of their deadlines: a locked database must not keep a caller
// waiting past its own.
const batchTimeout = 30 * time.Second

// groupCommit turns concurrent calls into shared transactions: the first
// caller leads and runs whatever is queued in one transaction; callers
// arriving meanwhile wait for the next batch, led by the first of them.
// Each call still sees its own transaction's semantics (a savepoint), and
// returns only after the commit that holds its change.
type groupCommit struct {
	store Store
	mu    sync.Mutex
	queue []*request
	busy  bool
}

type request struct {
	ctx  context.Context
	fn   func(Tx) error
	res  chan error
	lead chan struct{}
}

func (g *groupCommit) do(ctx context.Context, fn func(Tx) error) error {
	r := &request{ctx: ctx, fn: fn, res: make(chan error, 1), lead: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	if !g.busy {
		g.busy = true
		r.lead <- struct{}{}
	}
	g.mu.Unlock()
	for {
		select {
		case err := <-r.res:
			return err
		case <-r.lead:
			g.run()
		}
	}
}

// run commits one batch from the head of the queue, answers its callers
// and hands the lead to the next waiting caller, if any.
func (g *groupCommit) run() {
	g.mu.Lock()
	batch := g.queue[:min(len(g.queue), maxBatch)]
	g.queue = g.queue[len(batch):]
	g.mu.Unlock()

	var fns []func(Tx) error
	var live []*request
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.res <- err
			continue
		}
		fns, live = append(fns, r.fn), append(live, r)
	}
	if len(fns) > 0 {
		deadline := time.Now().Add(batchTimeout)
		for _, r := range live {
			if d, ok := r.ctx.Deadline(); ok && d.Before(deadline) {
				deadline = d
			}
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		errs, err := g.store.Batch(ctx, fns)
		cancel()
		for i, r := range live {
			if err != nil {
				r.res <- err
			} else {
				r.res <- errs[i]
			}
		}
	}

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].lead <- struct{}{}
	} else {
		g.busy = false
	}
	g.mu.Unlock()
}

// ReceiveAll receives mails in the given order in one transaction, each in
// its own savepoint: a mail that fails rolls back only itself, and the
// order holds (a reply after the mail it answers). It is for a source
// that has a batch in hand, such as an IMAP poller; the callers may
// acknowledge a mail only when its error is nil. errs[i] is mails[i]'s.
func (s *Service) ReceiveAll(ctx context.Context, mails []*Email) ([]*Receipt, []error) {
	rcs := make([]*Receipt, len(mails))
	errs := make([]error, len(mails))
	if s.group == nil {
		for i, e := range mails {
			rcs[i], errs[i] = s.Receive(ctx, e)
		}
		return rcs, errs
	}
	fns := make([]func(Tx) error, len(mails))
	for i, e := range mails {
		fns[i] = func(tx Tx) error {
			var err error
			rcs[i], err = s.receive(ctx, tx, e, s.now().UTC())
			return err
		}
	}
	berrs, err := s.store.Batch(ctx, fns)
	for i, e := range mails {
		switch {
		case err != nil:
			rcs[i], errs[i] = nil, fmt.Errorf("receive <%s>: %w", e.MessageID, err)
		case ErrorCode(berrs[i]) == ECONFLICT:
			// Stored before: its savepoint rolled back; report the ticket.
			rcs[i] = &Receipt{Outcome: OutcomeDuplicate}
			_ = s.store.Tx(ctx, func(tx Tx) error {
				rcs[i].Ticket, _ = tx.TicketByMessageID(ctx, e.MessageID)
				return nil
			})
		case berrs[i] != nil:
			rcs[i], errs[i] = nil, fmt.Errorf("receive <%s>: %w", e.MessageID, berrs[i])
		default:
			for _, why := range rcs[i].Refused {
				s.log.Info("ticket match refused", "message_id", e.MessageID, "from", e.From.Addr, "reason", why, "ticket", rcs[i].Ticket)
			}
		}
	}
	return rcs, errs
}
