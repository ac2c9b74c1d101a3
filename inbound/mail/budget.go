package mail

import (
	"context"
	"sync"
)

// Budget is the memory for mail being read and parsed at once, over every
// channel that shares it (the SMTP server and the IMAP pollers). A mail
// reserves its size before its body is read and gives it back once it is
// stored, so that mail arriving together waits its turn instead of
// multiplying the memory it takes: parsing costs a small multiple of a
// mail's size (BenchmarkParse_Adversarial), and without a budget twenty
// large mails from one address took gigabytes.
//
// Reservations are granted in the order they were asked for, so a large
// mail is not passed over for ever by small ones. A mail larger than the
// whole budget takes all of it. A nil *Budget grants everything at once.
type Budget struct {
	mu       sync.Mutex
	capacity int64
	used     int64
	waiters  []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{} // closed when granted
}

// NewBudget returns a Budget of capacity bytes; capacity must be positive.
func NewBudget(capacity int64) *Budget {
	return &Budget{capacity: max(capacity, 1)}
}

// Reservation is memory granted by a Budget, until Release.
type Reservation struct {
	b *Budget
	n int64
}

// Acquire reserves n bytes (at most the capacity), waiting until they
// are free, in turn, or until ctx is done, which returns ctx's error and
// reserves nothing.
func (b *Budget) Acquire(ctx context.Context, n int64) (*Reservation, error) {
	if b == nil {
		return &Reservation{}, nil
	}
	n = min(max(n, 1), b.capacity)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.capacity {
		b.used += n
		b.mu.Unlock()
		return &Reservation{b: b, n: n}, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return &Reservation{b: b, n: n}, nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready:
			// Granted as ctx ended: give it back.
			b.used -= n
		default:
			for i, x := range b.waiters {
				if x == w {
					b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
					break
				}
			}
		}
		b.grant()
		return nil, ctx.Err()
	}
}

// grant hands free memory to the waiters in order; b.mu is held.
func (b *Budget) grant() {
	for len(b.waiters) > 0 && b.used+b.waiters[0].n <= b.capacity {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.used += w.n
		close(w.ready)
	}
}

// InUse returns the bytes reserved now, and how many reservations wait.
func (b *Budget) InUse() (used int64, waiting int) {
	if b == nil {
		return 0, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, len(b.waiters)
}

// Shrink gives back what the reservation holds beyond n bytes: a mail
// reserved at its announced or largest size keeps what it turned out to
// be.
func (r *Reservation) Shrink(n int64) {
	if r == nil || r.b == nil || n >= r.n {
		return
	}
	n = max(n, 1)
	r.b.mu.Lock()
	defer r.b.mu.Unlock()
	r.b.used -= r.n - n
	r.n = n
	r.b.grant()
}

// Grow makes the reservation n bytes (at most the capacity), waiting in
// turn as Acquire does while it keeps what it holds. When ctx is done
// first it returns ctx's error and the reservation stays as it was.
func (r *Reservation) Grow(ctx context.Context, n int64) error {
	if r == nil || r.b == nil {
		return nil
	}
	n = min(n, r.b.capacity)
	if n <= r.n {
		return nil
	}
	more, err := r.b.Acquire(ctx, n-r.n)
	if err != nil {
		return err
	}
	r.n += more.n
	return nil
}

// Release gives the reservation back; it may be called more than once.
func (r *Reservation) Release() {
	if r == nil || r.b == nil {
		return
	}
	b := r.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= r.n
	r.b, r.n = nil, 0
	b.grant()
}
