// Package imap polls an IMAP mailbox and hands every new mail to core,
// so that no customer mail is lost and none is opened twice.
//
// # Guarantees
//
//   - Acknowledge only after the commit. Bodies are fetched with
//     BODY.PEEK[], which leaves \Seen alone; a message is marked \Seen, or
//     moved to Options.ProcessedMailbox, only after core's transaction for
//     it has committed (or after it was quarantined).
//   - A UID cursor, not \Seen, decides what is new. Per [[imap]] entry the
//     store keeps (UIDVALIDITY, highest UID done), and every sync fetches
//     the UIDs above it whether or not a human has read them. The cursor is
//     written after the acknowledgments and never moves past a message that
//     is not committed or quarantined, so a crash anywhere means the
//     message is fetched again and core answers "duplicate".
//   - The first sync of a mailbox takes only the unseen mail: a mailbox's
//     old, read history is not imported.
//   - A changed UIDVALIDITY (the mailbox was recreated, so its UIDs mean
//     nothing any more) rescans the whole mailbox; core's duplicate check
//     keeps mail that was already received from being opened again. A
//     running session notices it too: every sync after the first selects
//     the mailbox again and ends the session when UIDVALIDITY changed, and
//     the reconnect rescans. Some servers (Dovecot) keep serving a session
//     a stale view of a re-created mailbox and report no new mail in it;
//     an untagged NO or BAD during IDLE therefore ends IDLE for a sync, and
//     otherwise the safety re-sync at least every 25 minutes catches it.
//   - Mail that can never be processed (unparsable, refused by core, larger
//     than Options.MaxMessageBytes) is quarantined with its raw bytes and
//     the reason, acknowledged, and never retried. Any other failure
//     (storage down, connection lost) stops the batch before the message,
//     leaves it unacknowledged and retries after a back-off.
//
// # Connection
//
// One Poller keeps one connection. After each sync it waits in IDLE when
// the server offers it and Options.IDLE is set, else it polls every
// Options.PollInterval. Every error ends the connection; the Poller
// reconnects after an exponential back-off with jitter, which a
// successful sync resets. State reports what it is doing for /status. A
// missing mailbox is reported as "mailbox … does not exist", whether the
// server says so with a response code (NONEXISTENT, TRYCREATE) or only
// in words.
package imap
