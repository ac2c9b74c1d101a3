package mail

import (
	"testing"

	"helpdesk/core"
)

func TestParse_Auto(t *testing.T) {
	cases := []struct {
		name   string
		header string
		env    core.Envelope
		auto   bool
		reason string
	}{
		{"person", "X-Mailer: Thunderbird", core.Envelope{}, false, ""},
		{"auto-submitted replied", "Auto-Submitted: auto-replied", core.Envelope{}, true, "Auto-Submitted: auto-replied"},
		{"auto-submitted with params", "Auto-Submitted: auto-generated; owner-email=\"x@y\"", core.Envelope{}, true, "Auto-Submitted: auto-generated; owner-email=\"x@y\""},
		{"auto-submitted no", "Auto-Submitted: No", core.Envelope{}, false, ""},
		{"x-autoreply", "X-Autoreply: yes", core.Envelope{}, true, "X-Autoreply: yes"},
		{"x-autorespond", "X-Autorespond: Out of office", core.Envelope{}, true, "X-Autorespond: Out of office"},
		{"precedence bulk", "Precedence: bulk", core.Envelope{}, true, "Precedence: bulk"},
		{"precedence junk", "Precedence: Junk", core.Envelope{}, true, "Precedence: junk"},
		{"precedence list", "Precedence: list", core.Envelope{}, true, "Precedence: list"},
		{"precedence auto_reply", "Precedence: auto_reply", core.Envelope{}, true, "Precedence: auto_reply"},
		{"precedence first-class", "Precedence: first-class", core.Envelope{}, false, ""},
		{"x-auto-response-suppress", "X-Auto-Response-Suppress: All", core.Envelope{}, true, "X-Auto-Response-Suppress: All"},
		{"return-path empty", "Return-Path: < >", core.Envelope{}, true, "Return-Path: <>"},
		{"return-path set", "Return-Path: <a@example.com>", core.Envelope{}, false, ""},
		{"null sender", "X-Mailer: any", core.Envelope{NullSender: true}, true, "null envelope sender (MAIL FROM:<>)"},
		{"dsn", "Content-Type: multipart/report; report-type=delivery-status; boundary=b", core.Envelope{}, true, "bounce: multipart/report without a delivery-status part"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Parse(msg("--b\nContent-Type: text/plain\n\nI am away.\n--b--\n", "From: a@example.com", "Subject: s", c.header), c.env)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if e.Auto != c.auto || e.AutoReason != c.reason {
				t.Fatalf("got %v %q, want %v %q", e.Auto, e.AutoReason, c.auto, c.reason)
			}
		})
	}
}

// A bounce whose From has no domain is still stored, with a placeholder
// sender; a person's mail like that is refused.
func TestParse_BounceWithoutFromAddress(t *testing.T) {
	cases := []struct {
		name   string
		from   string
		want   core.Address
		reason string
	}{
		{"mailer-daemon", "From: Mail Delivery Subsystem <MAILER-DAEMON>", core.Address{Name: "Mail Delivery Subsystem", Addr: "mailer-daemon@helpdesk.invalid"}, "bounce: subject Undelivered Mail"},
		{"bare mailer-daemon", "From: mailer-daemon", core.Address{Addr: "mailer-daemon@helpdesk.invalid"}, "bounce: subject Undelivered Mail"},
		{"null from", "From: Mail Delivery System <>", core.Address{Name: "Mail Delivery System", Addr: "unknown@helpdesk.invalid"}, "bounce: subject Undelivered Mail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, msg("Delivery failed.", c.from, "Subject: Undelivered Mail"))
			if e.From != c.want || e.AutoReason != c.reason {
				t.Fatalf("got %q %q, want %q %q", e.From, e.AutoReason, c.want, c.reason)
			}
		})
	}
}
