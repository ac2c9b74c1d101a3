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
	// Live is set when the transport can still refuse the mail (SMTP,
	// before its answer to DATA): a sender a policy rejects is then
	// refused there rather than answered by mail.
	Live bool
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
	// auto-replies, bulk mail, null sender, bounces); AutoReason says why.
	Auto       bool
	AutoReason string
	// Bounce is set when the mail is a delivery failure report (a DSN
	// or one of the common non-standard formats); Auto is then set too.
	Bounce *Bounce

	// Commands are the #command lines of the new text, in order; they
	// are removed from Text. Never taken from quoted text.
	Commands []Command
	// CommandsIgnored counts the command lines after the most that are
	// read from one mail (docs/operations.md, "Limits"): removed from
	// Text like the others, never run, answered in one line.
	CommandsIgnored int
	// Refs are the signed ticket references ("T1042-K3F9…") found in the
	// quoted text: notifications carry one in their footer, and it
	// survives clients that drop References.
	Refs []string

	// Warnings lists what the parser had to repair (bad charset, broken
	// MIME structure); kept for the log and the admin.
	Warnings []string

	// Language is the primary tag of Content-Language, lower case ("ru"
	// for "ru-RU"); "" when absent.
	Language string

	BodyHash string // hex SHA-256 of the body (everything after the header)
	Raw      []byte
	Envelope Envelope

	// DeliveredTo are the addresses of the Delivered-To and X-Original-To
	// fields, which the delivering MTA writes: where mail fetched over
	// IMAP was addressed in its envelope.
	DeliveredTo []string

	// admitted is set when staff accepted the mail from quarantine: the
	// unknown-sender policy no longer applies to it.
	admitted bool
	// Channel is where the mail came from, "smtp" or "imap:NAME", for
	// quarantine and the log; "" when fed in by other means.
	Channel string
	// Auth is the sender check of the inbound edge (docs/rules.md §6); nil
	// when no check ran, which counts as not authenticated.
	Auth *Auth
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

// Bounce is what a delivery failure report says.
type Bounce struct {
	Recipients []BouncedRecipient
	// MessageIDs are the Message-IDs of the returned message (its
	// message/rfc822 or text/rfc822-headers part, or the copy appended to
	// the text): which mail of ours the report is about, when it says.
	MessageIDs []string
}

// BouncedRecipient is one failed recipient of a bounce.
type BouncedRecipient struct {
	Addr       string `json:"addr"`             // lower case
	Status     string `json:"status,omitempty"` // RFC 3463 status, e.g. "5.1.1"
	Action     string `json:"action,omitempty"` // failed, delayed, …
	Diagnostic string `json:"diagnostic,omitempty"`
	Permanent  bool   `json:"permanent"` // a 5.x.x status, or a hard failure
}

// Command is one #command line of a customer's mail (docs/rules.md §6).
type Command struct {
	Name string   // lower case, without '#': close, rate, task, …
	Args []string // the words after it; for rate, Args[1] is the whole comment
	Line string   // the line as written, for the confirmation notice
	// Err is set when the line cannot be a valid command (unknown name,
	// wrong arguments); it is a sentence fit to send to the customer.
	Err string
}
