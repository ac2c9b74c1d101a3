package core

import (
	"context"
	"sync"
	"time"
)

// Batcher is a Store that can run several changes in one transaction,
// each in its own savepoint (package store implements it).
type Batcher interface {
	Batch(ctx context.Context, fns []func(Tx) error) (errs []error, err error)
}

// maxBatch bounds a group commit; larger batches add latency for the
// first caller without saving much more.
const maxBatch = 128

// batchTimeout bounds one group commit; it does not depend on any one
// caller's context, since it serves them all.
const batchTimeout = 30 * time.Second

// groupCommit turns concurrent calls into shared transactions: the first
// caller leads and runs whatever is queued in one transaction; callers
// arriving meanwhile wait for the next batch, led by the first of them.
// Each call still sees its own transaction's semantics (a savepoint), and
// returns only after the commit that holds its change.
type groupCommit struct {
	store Batcher
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
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
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
