package outbound

import (
	"time"

	"helpdesk/internal/retry"
)

// Back-off between attempts: firstRetry (Options.RetryBase) after the
// first failure, doubling with each further one, never more than
// maxRetry, each delay moved by up to ±retry.Jitter.
const (
	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
)

// backoff returns the delay before the next attempt of a row that has
// failed attempts times before this failure. r is a random number in
// [0, 1).
func backoff(attempts int, r float64) time.Duration {
	return backoffFrom(firstRetry, attempts, r)
}

// backoffFrom is backoff with another first delay.
func backoffFrom(first time.Duration, attempts int, r float64) time.Duration {
	return retry.Backoff(first, maxRetry, attempts, r)
}
