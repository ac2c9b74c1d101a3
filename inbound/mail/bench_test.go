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
