package core

import "time"

// Quarantined is a mail that can never be processed (corrupt beyond
// parsing, refused for good, too large). It is kept with its raw bytes and
// the reason, shown to admins, and never retried by itself.
type Quarantined struct {
	ID        int64
	Channel   string // "imap:NAME" or "smtp"
	Ref       string // where it came from, e.g. "INBOX UID 42 (UIDVALIDITY 7)"
	MessageID string // when it could be read
	Reason    string
	Size      int    // bytes
	Raw       []byte // nil when the mail was too large to keep
	CreatedAt time.Time

	// Set for mail held by a department's unknown-sender policy
	// (docs/rules.md §1): the department, the sender, and the state,
	// HeldWaiting until staff accept or reject it.
	Department string
	Sender     string
	State      string // "" (never processable), HeldWaiting, HeldAccepted, HeldRejected
}
