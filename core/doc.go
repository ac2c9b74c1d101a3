// Package core is the helpdesk's domain: accounts, profiles, tickets,
// messages and the rules that connect them.
//
// core does no I/O of its own. It talks to storage through the small
// Store/Tx interfaces declared here, reads time from an injected clock, and
// expresses every side effect (a mail to send, a Slack post) as an outbox
// row written in the same transaction as the state change it belongs to.
// Packages under inbound turn the outside world into calls on Service;
// package store implements Store on SQLite; package outbound drains the
// outbox.
package core
