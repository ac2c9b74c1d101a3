package mail

import (
	"strings"
	"testing"
)

func TestSplitQuote(t *testing.T) {
	cases := []struct {
		name   string
		text   string
		want   string
		quoted string
	}{
		{
			name:   "nothing to cut",
			text:   "Hello,\n\nthe printer is broken.\n\nJane",
			want:   "Hello,\n\nthe printer is broken.\n\nJane",
			quoted: "",
		},
		{
			name:   "gmail attribution",
			text:   "Yes, that works.\n\nOn Mon, Dec 1, 2014 at 8:48 PM, Support <support@example.com> wrote:\n> Does Tuesday work?\n> Thanks",
			want:   "Yes, that works.",
			quoted: "On Mon, Dec 1, 2014 at 8:48 PM, Support <support@example.com> wrote:\n> Does Tuesday work?\n> Thanks",
		},
		{
			name:   "gmail attribution wrapped over two lines",
			text:   "Yes.\n\nOn Wed, Oct 8, 2014 at 11:12 AM, Support Team <\nsupport@example.com> wrote:\n\n> Does Tuesday work?",
			want:   "Yes.",
			quoted: "On Wed, Oct 8, 2014 at 11:12 AM, Support Team <\nsupport@example.com> wrote:\n\n> Does Tuesday work?",
		},
		{
			// The customer's last lines carry a number and the attribution
			// below them an address: joined, they look like "X <x@y>
			// wrote:", which is an attribution on one line only.
			name:   "text lines with numbers before an attribution stay",
			text:   "Order 12345 is blank.\nOrder 12346 too.\n\nOn Mon, 23 Nov 2026 at 10:00, Support <support@example.com> wrote:\n> We received your request.",
			want:   "Order 12345 is blank.\nOrder 12346 too.",
			quoted: "On Mon, 23 Nov 2026 at 10:00, Support <support@example.com> wrote:\n> We received your request.",
		},
		{
			name:   "attribution with unquoted history",
			text:   "Thanks!\n\nOn 1 Dec 2014, at 20:48, Support <s@example.com> wrote:\n\nDoes Tuesday work?",
			want:   "Thanks!",
			quoted: "On 1 Dec 2014, at 20:48, Support <s@example.com> wrote:\n\nDoes Tuesday work?",
		},
		{
			name:   "trailing quote block",
			text:   "I agree.\n\n> Shall we close the ticket?\n>\n> Support",
			want:   "I agree.",
			quoted: "> Shall we close the ticket?\n>\n> Support",
		},
		{
			name:   "inline answers are kept",
			text:   "On Mon, Support <s@example.com> wrote:\n> Which model?\nThe LX-200.\n> Which version?\nVersion 4.\n\n> Anything else?\n> Support",
			want:   "> Which model?\nThe LX-200.\n> Which version?\nVersion 4.",
			quoted: "On Mon, Support <s@example.com> wrote:\n\n> Anything else?\n> Support",
		},
		{
			name:   "bottom post keeps the answer",
			text:   "On Mon, Support <s@example.com> wrote:\n\n> Does Tuesday work?\n\nThe quick brown fox says yes.",
			want:   "The quick brown fox says yes.",
			quoted: "On Mon, Support <s@example.com> wrote:\n\n> Does Tuesday work?",
		},
		{
			name:   "signature delimiter",
			text:   "Please call me.\n\n-- \nJane Doe\nACME Corp",
			want:   "Please call me.",
			quoted: "--\nJane Doe\nACME Corp", // trailing spaces are trimmed
		},
		{
			name:   "dashes without the space before a short tail",
			text:   "Call me.\n\n--\nJane\n+1 555 0100",
			want:   "Call me.",
			quoted: "--\nJane\n+1 555 0100",
		},
		{
			name:   "dashes before a long text are a delimiter too",
			text:   "Part one\n--\n1\n2\n3\n4\n5\n6\n7\n8\n9",
			want:   "Part one",
			quoted: "--\n1\n2\n3\n4\n5\n6\n7\n8\n9",
		},
		{
			name:   "sent from my iphone",
			text:   "Fine by me.\n\nSent from my iPhone\n\nOn Mon, Support <s@example.com> wrote:\n> Tuesday?",
			want:   "Fine by me.",
			quoted: "Sent from my iPhone\n\nOn Mon, Support <s@example.com> wrote:\n> Tuesday?",
		},
		{
			name:   "outlook original message",
			text:   "See below.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: [#1042] Printer\n\nDoes Tuesday work?",
			want:   "See below.",
			quoted: "-----Original Message-----\nFrom: Support\nSent: Monday\nSubject: [#1042] Printer\n\nDoes Tuesday work?",
		},
		{
			name:   "outlook header block",
			text:   "Done.\n\n________________________________\nFrom: Support <s@example.com>\nSent: Monday\n\nDoes Tuesday work?",
			want:   "Done.",
			quoted: "________________________________\nFrom: Support <s@example.com>\nSent: Monday\n\nDoes Tuesday work?",
		},
		{
			name:   "quote only stays whole",
			text:   "> Does Tuesday work?\n> Support",
			want:   "> Does Tuesday work?\n> Support",
			quoted: "",
		},
		{
			name:   "signature only stays whole",
			text:   "-- \nJane Doe",
			want:   "--\nJane Doe",
			quoted: "",
		},
		{
			name:   "quote then signature",
			text:   "Yes.\n\n> Tuesday?\n\n-- \nJane",
			want:   "Yes.",
			quoted: "> Tuesday?\n\n--\nJane",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, quoted := splitQuote(c.text)
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if quoted != c.quoted {
				t.Fatalf("quoted: got %q, want %q", quoted, c.quoted)
			}
		})
	}
}

// Parse applies splitQuote to the decoded text.
func TestParse_Quote(t *testing.T) {
	e := mustParse(t, msg("Thanks, that fixed it.\n\nOn Mon, 1 Dec 2014 at 20:48, Support <s@example.com>\nwrote:\n> Try restarting.\n",
		"From: a@example.com", "Subject: Re: [#1042] Printer"))
	if e.Text != "Thanks, that fixed it." {
		t.Fatalf("got %q, want %q", e.Text, "Thanks, that fixed it.")
	}
	if !strings.HasPrefix(e.Quoted, "On Mon") || !strings.HasSuffix(e.Quoted, "> Try restarting.") {
		t.Fatalf("quoted: got %q", e.Quoted)
	}
}
