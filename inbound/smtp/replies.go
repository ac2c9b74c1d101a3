package smtp

import (
	"errors"

	gosmtp "github.com/emersion/go-smtp"
)

// Reasons told to Options.OnReply with each reply's code.
const (
	ReasonGreeting            = "greeting"               // 220: a session begins
	ReasonAccepted            = "accepted"               // 250 at the end of DATA: committed
	ReasonTemporary           = "temporary"              // 451: storage trouble or a bug; the client retries
	ReasonReadError           = "read_error"             // 451: the message could not be read
	ReasonRateLimited         = "rate_limited"           // 451 at MAIL: too many messages a minute from the address
	ReasonRejected            = "rejected"               // 550: the department rejects unknown senders
	ReasonUnknownRecipient    = "unknown_recipient"      // 550 at RCPT: no such address, no relaying
	ReasonTooLarge            = "too_large"              // 552: over the size limit
	ReasonInvalid             = "invalid"                // 554: the message cannot be parsed
	ReasonMIMELimit           = "mime_limit"             // 554: MIME nesting or parts over the limit
	ReasonBusy                = "busy"                   // 452: the parse budget stayed full
	ReasonLineTooLong         = "line_too_long"          // 554: a line over the limit
	ReasonRefused             = "refused"                // 554: core refused it (invalid or forbidden)
	ReasonDisabled            = "disabled"               // 421: the smtp channel is disabled
	ReasonTooManyConnections  = "too_many_connections"   // 421: over the per-address or the server's connection limit
	ReasonAuthRequired        = "auth_required"          // 530 at MAIL: AUTH is required first
	ReasonAuthFailed          = "auth_failed"            // 535: wrong credentials
	ReasonEncryptionRequired  = "encryption_required"    // 538: AUTH needs TLS
	ReasonTooManyAuthFailures = "too_many_auth_failures" // 454: AUTH refused after failures
)

// Replies lists the code and reason pairs that OnReply may be told, for
// metrics that show every pair from the start.
var Replies = []struct {
	Code   int
	Reason string
}{
	{220, ReasonGreeting}, {250, ReasonAccepted}, {451, ReasonTemporary}, {451, ReasonReadError}, {451, ReasonRateLimited},
	{550, ReasonRejected}, {550, ReasonUnknownRecipient}, {552, ReasonTooLarge}, {554, ReasonInvalid},
	{554, ReasonMIMELimit}, {452, ReasonBusy},
	{554, ReasonLineTooLong}, {554, ReasonRefused}, {421, ReasonDisabled}, {421, ReasonTooManyConnections},
	{530, ReasonAuthRequired}, {535, ReasonAuthFailed}, {538, ReasonEncryptionRequired},
	{454, ReasonTooManyAuthFailures},
}

// reply tells OnReply, when set.
func (s *Server) reply(code int, reason string) {
	if s.opts.OnReply != nil {
		s.opts.OnReply(code, reason)
	}
}

// replyCode is the code of the reply that err (nil: 250) makes.
func replyCode(err error) int {
	var se *gosmtp.SMTPError
	if err == nil {
		return 250
	}
	if errors.As(err, &se) {
		return se.Code
	}
	return 451
}
