package mail

import (
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

// BenchmarkParse parses and extracts a mix of typical mails: a Gmail-style
// plain text reply with a quote and signature in Latin-1, an HTML-only
// reply with a Gmail quote, and a DSN bounce. It reports mails/s.
func BenchmarkParse(b *testing.B) {
	mails := [][]byte{
		mustReadTestdata(b, "reply-latin1.eml"),
		mustReadTestdata(b, "bounce.eml"),
		msg(`<div dir="ltr">Thanks, it works now. See <a href="https://example.com/log">the log</a>.<br>#close</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Dec 1, 2014 at 8:48 PM Support &lt;s@example.com&gt; wrote:<br></div><blockquote class="gmail_quote">Please restart the printer.<br>Ref: T1042-AEAQDX65TIY65WRRNMD3C</blockquote></div>`,
			"From: Jane <jane@example.com>", "To: support@example.com", "Subject: Re: [#1042] Printer",
			"Message-ID: <b1@example.com>", "Date: Tue, 2 Dec 2014 09:15:00 +0100", "Content-Type: text/html; charset=utf-8"),
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(mails[i%len(mails)], core.Envelope{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkSplitQuote_Reply trims a plain reply of twenty lines above a
// Gmail attribution and quote, the shape of most replies a helpdesk gets:
// every line is classified, and the last ones are tried as the start of
// a wrapped attribution.
func BenchmarkSplitQuote_Reply(b *testing.B) {
	var text strings.Builder
	for l := 0; l < 20; l++ {
		fmt.Fprintf(&text, "Line %d of what went wrong with order %d, since 10:00 this morning.\n", l, 12345+l)
	}
	text.WriteString("\nOn Mon, 23 Nov 2026 at 10:00, Support <support@example.com> wrote:\n> We received your request.\n")
	s := text.String()
	if n, _ := splitQuote(s); strings.Contains(n, "wrote") || !strings.Contains(n, "Line 19") {
		b.Fatalf("trimmed to %q", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		splitQuote(s)
	}
}

// BenchmarkBounceOf runs the bounce reader (the report's recipients and
// the returned messages' Message-IDs) over delivery reports built to be
// costly for it, each at two sizes eight times apart, beside the plain
// DSN of testdata as the baseline; the MIME structure and the text are
// read beforehand, as Parse reads them. MB/s stays about the same across
// a pair when the cost is linear in the input.
func BenchmarkBounceOf(b *testing.B) {
	report := func(parts ...string) []byte {
		var body strings.Builder
		body.WriteString("--b\nContent-Type: text/plain\n\nDelivery failed.\n--b\nContent-Type: message/delivery-status\n\n" +
			"Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; ann@example.com\nAction: failed\nStatus: 5.1.1\n")
		for _, p := range parts {
			body.WriteString("--b\n" + p + "\n")
		}
		return msg(body.String()+"--b--\n", "From: MAILER-DAEMON@example.net", "Subject: Undelivered Mail Returned to Sender",
			"Content-Type: multipart/report; report-type=delivery-status; boundary=b")
	}
	longHeader := func(n int) []byte {
		// A returned header of n lines with its Message-ID last, past
		// the part of it that is read.
		return report("Content-Type: text/rfc822-headers\n\n" + strings.Repeat("X-Filler: "+strings.Repeat("x", 60)+"\n", n) +
			"Message-ID: <late@example.com>\n")
	}
	manyReturned := func(n int) []byte {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("Content-Type: message/rfc822\n\nFrom: s@example.com\nMessage-ID: <m%d@example.com>\n\nHello %d\n", i, i)
		}
		return report(parts...)
	}
	manyRecipients := func(n int) []byte {
		var dsn strings.Builder
		for i := range n {
			fmt.Fprintf(&dsn, "Final-Recipient: rfc822; r%d@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n", i)
		}
		return report("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" + dsn.String())
	}
	manyLines := func(n int) []byte {
		return msg("This message was created automatically by mail delivery software.\n\n"+
			strings.Repeat("Message-ID: <m@example.com>\nTo: <a@example.org>: 550 5.1.1 no such user\n", n),
			"From: MAILER-DAEMON@mx.example.net", "Subject: failure notice")
	}
	cases := []struct {
		name string
		raw  []byte
	}{
		{"dsn baseline", mustReadTestdata(b, "bounce.eml")},
		{"returned header 16k lines", longHeader(16 << 10)},
		{"returned header 128k lines", longHeader(128 << 10)},
		{"returned messages 1k", manyReturned(1000)},
		{"returned messages 8k", manyReturned(8000)},
		{"report recipients 1k", manyRecipients(1000)},
		{"report recipients 8k", manyRecipients(8000)},
		{"report text 10k lines", manyLines(10000)},
		{"report text 80k lines", manyLines(80000)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			msg, _, _ := messageStart(c.raw)
			content, err := readContent(msg, ParseOptions{}.withDefaults())
			if err != nil {
				b.Fatal(err)
			}
			p := &parsed{email: &core.Email{}}
			text := p.extractText(content, ParseOptions{}.withDefaults())
			b.SetBytes(int64(len(c.raw)))
			b.ReportAllocs()
			for b.Loop() {
				bo, _ := bounceOf(content, "Undelivered Mail Returned to Sender", text)
				if bo == nil || len(bo.MessageIDs) > maxReturnedIDs || len(bo.Recipients) > maxReportRecipients {
					b.Fatalf("bounceOf = %+v", bo)
				}
			}
		})
	}
}
