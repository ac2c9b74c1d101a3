package mail

import (
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
