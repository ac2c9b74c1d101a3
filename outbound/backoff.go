package outbound

import "time"

// Back-off between attempts: firstRetry (Options.RetryBase) after the first failure, doubling
// with each further one, never more than maxRetry, each delay moved by up
// to ±jitter at random so that rows that failed together (a relay outage)
// do not all come back in the same second.
const (
	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
	jitter     = 0.2
)

// backoff returns the delay before the next attempt of a row that has
// failed attempts times before this failure. r is a random number in
// [0, 1).
func backoff(attempts int, r float64) time.Duration {
	return backoffFrom(firstRetry, attempts, r)
}

// backoffFrom is backoff with another first delay.
func backoffFrom(first time.Duration, attempts int, r float64) time.Duration {
	d := first
	for i := 0; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	d = min(d, maxRetry)
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*r))
}
