package mail

import (
	"fmt"
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

// A report names the mail it returns by that mail's Message-ID: in its
// message/rfc822 or text/rfc822-headers part, or in the copy a report
// without one appends to its text. core checks it against what was sent.
func TestParse_BounceReturnedMessageIDs(t *testing.T) {
	report := func(returned string) []byte {
		return msg("--b\nContent-Type: text/plain\n\nDelivery failed.\n--b\nContent-Type: message/delivery-status\n\n"+
			"Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; ann@example.com\nAction: failed\nStatus: 5.1.1\n"+
			"--b\n"+returned+"\n--b--\n",
			"From: MAILER-DAEMON@example.net", "Subject: Undelivered Mail Returned to Sender",
			"Message-ID: <report-1@mx.example.net>", "In-Reply-To: <not-this@support.example.com>",
			"Content-Type: multipart/report; report-type=delivery-status; boundary=b")
	}
	cases := []struct {
		name string
		raw  []byte
		want []string
	}{
		{"message/rfc822", report("Content-Type: message/rfc822\n\nFrom: support@support.example.com\nTo: ann@example.com\n" +
			"Message-ID:\n <helpdesk.t7.0123456789abcdef@support.example.com>\nSubject: [#7] x\n\nHello\nMessage-ID: <body@x>\n"),
			[]string{"helpdesk.t7.0123456789abcdef@support.example.com"}},
		{"text/rfc822-headers", report("Content-Type: text/rfc822-headers\n\nFrom: support@support.example.com\nmessage-id: <a.b@support.example.com>\n"),
			[]string{"a.b@support.example.com"}},
		{"message/global", report("Content-Type: message/global\n\nMessage-ID: <g@support.example.com>\n\nx\n"),
			[]string{"g@support.example.com"}},
		{"returned message without one", report("Content-Type: message/rfc822\n\nFrom: support@support.example.com\n\nHello\n"), nil},
		{"copy in the text", msg("Hi. This is the qmail-send program at mx.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n"+
			"<nobody@example.org>:\n550 5.1.1 no such user\n\n--- Below this line is a copy of the message.\n\nMessage-ID: <q@support.example.com>\nTo: nobody@example.org\n",
			"From: MAILER-DAEMON@mx.example.net", "To: support@example.com", "Subject: failure notice"),
			[]string{"q@support.example.com"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, c.raw)
			if e.Bounce == nil {
				t.Fatal("not a bounce")
			}
			if strings.Join(e.Bounce.MessageIDs, " ") != strings.Join(c.want, " ") {
				t.Fatalf("returned Message-IDs %q, want %q", e.Bounce.MessageIDs, c.want)
			}
		})
	}
	// However many a report holds, a bounded number is kept.
	var many strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&many, "Message-ID: <m%d@x>\n", i)
	}
	e := mustParse(t, msg("This message was created automatically by mail delivery software.\n\n"+many.String(),
		"From: MAILER-DAEMON@mx.example.net", "Subject: failure notice"))
	if e.Bounce == nil || len(e.Bounce.MessageIDs) != maxReturnedIDs {
		t.Fatalf("bounce %+v, want %d Message-IDs", e.Bounce, maxReturnedIDs)
	}
}

// However many recipients a report lists, a bounded number is read: a
// report of our mail, sent to one person each, names one.
func TestParse_BounceRecipientsBounded(t *testing.T) {
	var dsn strings.Builder
	for i := range 5 * maxReportRecipients {
		fmt.Fprintf(&dsn, "Final-Recipient: rfc822; r%d@example.org\nAction: failed\nStatus: 5.1.1\n\n", i)
	}
	e := mustParse(t, msg("--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"+dsn.String()+"--b--\n",
		"From: MAILER-DAEMON@example.net", "Subject: Undelivered Mail Returned to Sender",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=b"))
	if e.Bounce == nil || len(e.Bounce.Recipients) != maxReportRecipients || e.Bounce.Recipients[0].Addr != "r0@example.org" {
		t.Fatalf("bounce %+v, want the first %d recipients", e.Bounce, maxReportRecipients)
	}
}
