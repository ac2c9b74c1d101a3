package imap

import "time"

// jitter moves each delay by up to ±20%, so pollers that lost the same
// server together do not all come back in the same second.
const jitter = 0.2

// backoff returns the delay before reconnecting after failures earlier
// consecutive failures: base doubled per failure, capped at limit, then
// moved by ±jitter. r is a random number in [0, 1).
func backoff(base, limit time.Duration, failures int, r float64) time.Duration {
	d := base
	for i := 0; i < failures && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*r))
}
