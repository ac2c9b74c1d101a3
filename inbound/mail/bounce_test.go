package mail

import (
	"strings"
	"testing"

	"helpdesk/core"
)

func TestParse_Bounce(t *testing.T) {
	dsn := msg("--b\nContent-Type: text/plain\n\nDelivery failed.\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; Jane@Example.COM\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\nOriginal-Recipient: rfc822;bob@example.org\nFinal-Recipient: rfc822;bob@example.org\nAction: delayed\nStatus: 4.4.1\n--b--\n",
		"From: MAILER-DAEMON@example.net", "Subject: Delivery Status Notification", "Content-Type: multipart/report; report-type=delivery-status; boundary=b")
	cases := []struct {
		name  string
		raw   []byte
		want  []core.BouncedRecipient
		never bool
	}{
		{"dsn", dsn, []core.BouncedRecipient{
			{Addr: "jane@example.com", Status: "5.1.1", Action: "failed", Diagnostic: "550 5.1.1 user unknown", Permanent: true},
			{Addr: "bob@example.org", Status: "4.4.1", Action: "delayed"},
		}, false},
		{"qmail", msg("Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<nobody@example.org>:\n550 5.1.1 no such user\n\n--- Below this line is a copy of the message.\n\nTo: other@example.com\n",
			"From: MAILER-DAEMON@mx.example.net", "To: support@example.com", "Subject: failure notice"),
			[]core.BouncedRecipient{{Addr: "nobody@example.org", Status: "5.1.1", Action: "failed", Diagnostic: "550 5.1.1 no such user", Permanent: true}}, false},
		{"ses json", msg(`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"x@example.org","status":"5.1.1","action":"failed","diagnosticCode":"smtp; 550 5.1.1"}]}}`,
			"From: no-reply@sns.amazonaws.com", "Subject: AWS Notification Message"),
			[]core.BouncedRecipient{{Addr: "x@example.org", Status: "5.1.1", Action: "failed", Diagnostic: "smtp; 550 5.1.1", Permanent: true}}, false},
		{"person quoting a bounce subject", msg("My mail to you was returned, Undelivered Mail Returned to Sender, why?", "From: a@example.com", "Subject: Returned mail"), nil, true},
		{"read receipt", msg("--b\nContent-Type: text/plain\n\nRead.\n--b--\n", "From: a@example.com", "Subject: Read: x", "Content-Type: multipart/report; report-type=disposition-notification; boundary=b"), nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, c.raw)
			if c.never {
				if e.Bounce != nil {
					t.Fatalf("bounce=%+v, want none", e.Bounce)
				}
				return
			}
			if e.Bounce == nil || !e.Auto || !strings.HasPrefix(e.AutoReason, "bounce: ") {
				t.Fatalf("bounce=%+v auto=%v %q, want a bounce", e.Bounce, e.Auto, e.AutoReason)
			}
			if len(e.Bounce.Recipients) != len(c.want) {
				t.Fatalf("recipients=%+v, want %+v", e.Bounce.Recipients, c.want)
			}
			for i, r := range e.Bounce.Recipients {
				if r != c.want[i] {
					t.Fatalf("recipient %d=%+v, want %+v", i, r, c.want[i])
				}
			}
		})
	}
}

func TestParse_AutoSubject(t *testing.T) {
	cases := []struct {
		subject string
		auto    bool
	}{
		{"Automatic reply: [#1042] Printer", true},
		{"Abwesenheitsnotiz: Drucker", true},
		{"Réponse automatique : Imprimante", true},
		{"Autosvar: skrivare", true},
		{"自动回复: 打印机", true},
		{"Out of Office: back Monday", true},
		{"[AUTO GENERATED] weekly digest", false},
		{"Question about out of office rules", false},
	}
	for _, c := range cases {
		t.Run(c.subject, func(t *testing.T) {
			e := mustParse(t, msg("I am away.", "From: a@example.com", "Subject: "+c.subject))
			if e.Auto != c.auto {
				t.Fatalf("auto=%v (%q), want %v", e.Auto, e.AutoReason, c.auto)
			}
		})
	}
}
