package mail

import (
	"net/textproto"
	"regexp"
	"strings"

	"helpdesk/core"
)

// autoReason says why a mail must never be answered (RULES.md §6:
// auto-replies, bulk mail, bounces), or returns "" for mail from a
// person. h holds the raw header fields, ctype the top-level media type.
func autoReason(h textproto.MIMEHeader, ctype string, env core.Envelope) string {
	// RFC 3834 §5: any Auto-Submitted value but "no" is automatic.
	if v, ok := headerValue(h, "Auto-Submitted"); ok {
		if kw, _, _ := strings.Cut(v, ";"); !strings.EqualFold(strings.TrimSpace(kw), "no") {
			return "Auto-Submitted: " + reasonValue(v)
		}
	}
	for _, name := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"} {
		if v, ok := headerValue(h, name); ok {
			return name + ": " + reasonValue(v)
		}
	}
	if v, ok := headerValue(h, "Precedence"); ok {
		switch p := strings.ToLower(strings.TrimSpace(v)); p {
		case "bulk", "junk", "list", "auto_reply":
			return "Precedence: " + p
		}
	}
	for _, v := range h.Values("Return-Path") {
		if strings.Join(strings.Fields(v), "") == "<>" {
			return "Return-Path: <>"
		}
	}
	if env.NullSender {
		return "null envelope sender (MAIL FROM:<>)"
	}
	if ctype == "multipart/report" {
		return "delivery report (multipart/report)"
	}
	// RULES.md §6 names mailer-daemon among the bounce signs; bounces
	// often write it without a domain, so the raw field is searched.
	from, _ := headerValue(h, "From")
	if mailerDaemon.MatchString(from) {
		return "From: mailer-daemon"
	}
	// A From of "<>" is the null sender written into the header.
	if nullFrom.MatchString(from) {
		return "From: <>"
	}
	return ""
}

// reasonValue makes a header value short and safe to show in AutoReason.
func reasonValue(v string) string {
	v, _ = decodeHeader(v)
	if v == "" {
		return "(empty)"
	}
	return truncate(v, 60)
}

// mailerDaemon matches a From field whose mailbox is mailer-daemon.
var (
	mailerDaemon = regexp.MustCompile(`(?i)(^|[\s<"])mailer-daemon(@|>|\s|"|$)`)
	nullFrom     = regexp.MustCompile(`<\s*>\s*$`)
)
