package core

import "time"

// Address is a mailbox: display name and address.
type Address struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr"`
}

// Attachment describes one attachment of a mail.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Size        int    `json:"size"`
}

// Envelope is what the transport said about a mail, apart from its
// headers: the SMTP MAIL FROM and RCPT TO, or their IMAP equivalents.
type Envelope struct {
	// Sender is the return path. NullSender is true for MAIL FROM:<>
	// (bounces and other automatic mail, RFC 5321 §4.5.5).
	Sender     string
	NullSender bool
	// Recipients are the envelope recipients; empty when the transport
	// does not know them (IMAP), and then To and Cc are used.
	Recipients []string
}

// Email is an inbound mail parsed once, by package inbound/mail, into
// the values the rules need. Nothing later parses Raw again.
type Email struct {
	MessageID  string // without angle brackets; synthesised when absent
	InReplyTo  []string
	References []string
	From       Address
	ReplyTo    []Address
	To         []Address
	Cc         []Address
	Subject    string
	Date       time.Time // zero when absent or unreadable

	Text        string // the customer's new text, UTF-8
	Quoted      string // quoted history and signature cut from Text
	Attachments []Attachment

	// Auto is set for mail that must never be answered (RFC 3834
	// auto-replies, bulk mail, null sender); AutoReason says why.
	Auto       bool
	AutoReason string

	// Warnings lists what the parser had to repair (bad charset, broken
	// MIME structure); kept for the log and the admin.
	Warnings []string

	BodyHash string // hex SHA-256 of the body (everything after the header)
	Raw      []byte
	Envelope Envelope
}

// Recipients returns the envelope recipients, or To and Cc when the
// transport gave none.
func (e *Email) Recipients() []string {
	if len(e.Envelope.Recipients) > 0 {
		return e.Envelope.Recipients
	}
	var rcpts []string
	for _, a := range append(append([]Address{}, e.To...), e.Cc...) {
		rcpts = append(rcpts, a.Addr)
	}
	return rcpts
}
