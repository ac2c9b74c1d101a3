// Package mail turns one inbound RFC 5322 message into a *core.Email: it
// is the only place that parses raw mail, so nothing later reads Raw again.
//
// MIME decoding uses enmime (github.com/jhillyerd/enmime/v2) rather than
// go-message because enmime is tolerant: it recovers the content of broken
// mail (missing boundaries, bad base64, unknown charsets) and reports
// warnings where go-message fails hard, and nothing a customer sends may be
// lost. On top of it this package adds what enmime leaves raw: msg-id
// parsing, repair of raw 8-bit headers, quote and signature stripping, and
// the auto-reply classification of docs/rules.md §6.
package mail
