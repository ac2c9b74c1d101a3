// Package demo runs the gateway on loopback against stand-ins for the
// outside world (a capturing relay, a flaky relay, a fake Slack, an
// in-memory IMAP mailbox) and tells `helpdesk demo`'s story. The
// end-to-end tests use the same environment, so the demo shows what the
// tests check.
package demo
