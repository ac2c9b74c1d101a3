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
