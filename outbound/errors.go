package outbound

import (
	"errors"
	"time"
)

// PermanentError marks a failure that retrying cannot fix: the relay
// refused the mail with a 5xx reply, the Slack channel does not exist, the
// payload cannot be decoded. The worker marks such a row dead at once.
// Every other error is temporary.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string   { return e.Err.Error() }
func (e *PermanentError) Unwrap() error   { return e.Err }
func (e *PermanentError) Temporary() bool { return false }

// permanent wraps err as a *PermanentError (nil stays nil).
func permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is a
// *PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// RetryAfterError is a temporary failure with a wait the other side asked
// for, such as Slack's rate limit. The worker waits at least After.
type RetryAfterError struct {
	Err   error
	After time.Duration
}

func (e *RetryAfterError) Error() string   { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error   { return e.Err }
func (e *RetryAfterError) Temporary() bool { return true }

// retryAfter returns the wait an error in err's chain asked for, or 0.
func retryAfter(err error) time.Duration {
	var re *RetryAfterError
	if errors.As(err, &re) {
		return re.After
	}
	return 0
}
