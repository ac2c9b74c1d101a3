// Package outbound performs the side effects that core records as outbox
// rows: it renders and mails customer notices, and in Slack it posts
// ticket cards, redraws them, posts the messages of their threads and
// notices to departments.
//
// # Pieces
//
// A Worker drains a Queue (implemented by package store). Mail goes
// through a Mailer: Relay speaks SMTP to a relay, Dir writes .eml files for
// set-ups without one. Slack posts go through a Slack: SlackAPI calls the
// Web API, SlackLog only logs, for set-ups with Slack off.
//
// # Delivery guarantees
//
// Delivery is at least once. A row is marked done only after the send
// succeeded, so a crash in between sends it again; an email keeps the
// Message-ID fixed in its payload, so the customer's client shows a resend
// as the same mail. Failures are either permanent (the row is marked dead
// at once) or temporary (retried with exponential back-off until
// Options.MaxAttempts). Rows of one ticket are sent in order within each
// lane, mail and Slack; the lanes do not wait for each other.
package outbound
