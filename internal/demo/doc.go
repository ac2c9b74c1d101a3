// Package demo runs the gateway on loopback against stand-ins for the
// outside world (relays that capture, refuse or discard mail, a fake
// Slack, an in-memory IMAP mailbox) and tells `helpdesk demo`'s story.
// The end-to-end tests and `helpdesk bench` use the same stand-ins, so
// the demo shows what the tests check.
package demo
