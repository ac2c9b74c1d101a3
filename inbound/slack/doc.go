// Package slack is the support team's desk in Slack (docs/rules.md §7): the
// Events API, the /helpdesk slash command and the ticket card's buttons,
// over HTTP (/slack/events, /slack/commands, /slack/interactions) or
// Socket Mode.
//
// # Requests
//
// Every HTTP request is verified with the app's signing secret before
// anything is parsed: the raw body is read (bounded), its v0 signature
// compared in constant time, and a request older than five minutes, or
// unsigned, or wrongly signed, is refused with 401 and has no effect.
// Slack retries an event it thinks was not received; the event's id and
// the message's ts are recorded in the same transaction as the change, so
// a retry changes nothing.
//
// # Thread replies
//
// An agent's message in a ticket's thread is answered to the customer by
// email; one starting with "note:" stays an internal note. Messages of
// bots, including the gateway's own posts, are ignored. Files shared with
// a message reach the customer as links when the file is public in Slack,
// by name otherwise. An edit or deletion of a message that was taken is
// reported in the thread: the customer keeps what was emailed.
//
// # Who may act
//
// Agents are the configured [[agents]], recognised by their Slack user id
// or by the email address of their Slack profile (users.info). Anyone
// else is refused politely, and nothing changes.
package slack
