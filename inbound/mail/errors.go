package mail

import "helpdesk/core"

// The messages of the EINVALID errors Parse returns. They are sent back
// over SMTP, so they name the problem and nothing about the gateway.
const (
	msgEmpty     = "message is empty"
	msgNoHeader  = "message has no header section"
	msgNoFrom    = "message has no valid From address"
	msgNoContent = "message has no subject, text or attachment"
)

// invalid returns the *core.Error for mail that can never be accepted.
func invalid(msg string) error {
	return &core.Error{Code: core.EINVALID, Message: msg}
}

// LimitError is the error of a mail whose structure is over a limit of
// ParseOptions: it can never be accepted as it is. It unwraps to a
// *core.Error with code EINVALID whose message names the limit, so edges
// that know only core's codes refuse it like any invalid mail, and the
// SMTP server can still tell it apart for its reply and metrics.
type LimitError struct {
	// Key is the [limits] configuration key of the limit passed:
	// "mime_depth" or "mime_parts".
	Key string
	Err *core.Error
}

func (e *LimitError) Error() string { return e.Err.Error() }
func (e *LimitError) Unwrap() error { return e.Err }

func depthError(limit int) *LimitError {
	return &LimitError{Key: "mime_depth", Err: core.Errorf(core.EINVALID, "MIME nesting deeper than %d levels", limit)}
}

func partsError(limit int) *LimitError {
	return &LimitError{Key: "mime_parts", Err: core.Errorf(core.EINVALID, "more than %d MIME parts", limit)}
}
