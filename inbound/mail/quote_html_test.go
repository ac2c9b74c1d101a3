package mail

import (
	"strings"
	"testing"
)

func TestHTMLText(t *testing.T) {
	cases := []struct {
		name, html, text, quoted string
	}{
		{
			name:   "gmail",
			html:   `<div dir="ltr">Works now, see <a href="https://example.com/x">the log</a>.</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Support wrote:</div><blockquote class="gmail_quote">Try again?<br>Ref: T1-ABCD</blockquote></div>`,
			text:   "Works now, see the log ( https://example.com/x ).",
			quoted: "On Mon, Support wrote:",
		},
		{
			name:   "apple mail cite",
			html:   `<div>Yes.</div><div><br><blockquote type="cite"><div>Tuesday?</div></blockquote></div>`,
			text:   "Yes.",
			quoted: "Tuesday?",
		},
		{
			name:   "inline answers stay",
			html:   `<blockquote type="cite">Which model?</blockquote><div>The LX-200.</div>`,
			text:   "> Which model?",
			quoted: "",
		},
		{
			name:   "outlook web",
			html:   `<div>Done.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Support</div><div>Old text</div>`,
			text:   "Done.",
			quoted: "Old text",
		},
		{
			name:   "outlook desktop",
			html:   `<div class="WordSection1"><p>Danke.</p><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p><b>Von:</b> Support<br><b>Gesendet:</b> Montag</p></div><p>Alt</p></div>`,
			text:   "Danke.",
			quoted: "Alt",
		},
		{
			name:   "yahoo",
			html:   `<div>Thanks</div><div class="yahoo_quoted"><div>On Monday, Support wrote:</div><div>Old</div></div>`,
			text:   "Thanks",
			quoted: "Old",
		},
		{
			name:   "only history stays text",
			html:   `<div class="gmail_quote">Forwarded words</div>`,
			text:   "Forwarded words",
			quoted: "",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, quoted, _ := htmlText([]byte(c.html), DefaultMaxHTMLText)
			if !strings.Contains(text, c.text) {
				t.Fatalf("text=%q, want it to contain %q", text, c.text)
			}
			if !strings.Contains(quoted, c.quoted) {
				t.Fatalf("quoted=%q, want it to contain %q", quoted, c.quoted)
			}
			if c.quoted != "" && strings.Contains(text, c.quoted) {
				t.Fatalf("text=%q still holds the history %q", text, c.quoted)
			}
		})
	}
}

// An HTML-only reply: the quote container goes to Quoted, with its ref.
func TestParse_HTMLReply(t *testing.T) {
	e := mustParse(t, msg(`<div>Fixed, thanks.</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Support wrote:</div><blockquote class="gmail_quote">Please restart.<br>Ref: T1042-AEAQDX65TIY65WRRNMD3C</blockquote></div>`,
		"From: a@example.com", "Subject: Re: [#1042] Printer", "Content-Type: text/html; charset=utf-8"))
	if e.Text != "Fixed, thanks." {
		t.Fatalf("Text=%q, want %q", e.Text, "Fixed, thanks.")
	}
	if len(e.Refs) != 1 || e.Refs[0] != "T1042-AEAQDX65TIY65WRRNMD3C" {
		t.Fatalf("Refs=%q, want the footer ref", e.Refs)
	}
}
