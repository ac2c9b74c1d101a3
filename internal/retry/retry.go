// Package retry holds the back-off and the wait that the gateway's retry
// loops share: the outbox worker between attempts at a row, the IMAP
// poller between sessions, a gateway waiting for a lease.
package retry

import (
	"context"
	"time"
)

// Jitter moves each delay by up to ±20% at random, so that what failed
// together (a relay outage, pollers that lost the same server) does not
// all come back in the same second.
const Jitter = 0.2

// Backoff returns the delay after failures earlier consecutive failures:
// base doubled per failure, capped at limit, then moved by ±Jitter. r is
// a random number in [0, 1).
func Backoff(base, limit time.Duration, failures int, r float64) time.Duration {
	d := base
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(float64(d) * (1 - Jitter + 2*Jitter*r))
}

// Sleep waits for d or until ctx is done; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
