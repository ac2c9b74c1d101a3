package core

import (
	"errors"
	"fmt"
)

// Error codes. Each edge (SMTP replies, CLI, HTTP, Slack) maps them in one
// table; the Message of an Error is safe to show to the other side.
const (
	ECONFLICT  = "conflict"  // the thing exists already (a duplicate mail)
	EINTERNAL  = "internal"  // anything unexpected; details only in the log
	EINVALID   = "invalid"   // the input can never be accepted as it is
	ENOTFOUND  = "not_found" // no such ticket, profile, message
	EFORBIDDEN = "forbidden" // the actor may not do this
	ETEMPORARY = "temporary" // try again later (storage busy, disk full)
	EREJECTED  = "rejected"  // a policy refuses the mail for good (an unknown sender)
)

// Error is a domain error with a code and a message that is safe to show
// to a customer, an agent or an admin.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EINTERNAL when there is none, and "" for a nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of err, or a generic text for
// errors that are not *Error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
