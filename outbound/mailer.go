package outbound

import "context"

// Mailer sends one RFC 5322 message.
//
// messageID is the message's own Message-ID (without angle brackets); an
// implementation may use it to make a resend of the same message
// idempotent. The error is a *PermanentError when sending again cannot
// succeed, and temporary otherwise.
type Mailer interface {
	Send(ctx context.Context, from string, to []string, msg []byte, messageID string) error
}
