package mail

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// TestParse_SeveralFrom: a From field may name several authors only with
// a Sender naming the one who sent the mail (RFC 5322 §3.6.2); that one
// is the sender. Without a usable Sender the mail is refused with the
// reason, never taken as from its first author.
func TestParse_SeveralFrom(t *testing.T) {
	cases := []struct {
		name   string
		header []string
		want   string // the sender's address; "" for a refusal
		err    string
	}{
		{"one author", []string{"From: Ann <ann@shop.example>", "Sender: secretary@shop.example"}, "ann@shop.example", ""},
		{"two authors and a sender", []string{"From: Ann <ann@shop.example>, Bob <bob@shop.example>", "Sender: Bob <bob@shop.example>"}, "bob@shop.example", ""},
		{"sender who is no author", []string{"From: ann@shop.example, bob@shop.example", "Sender: desk@shop.example"}, "desk@shop.example", ""},
		{"the same author twice", []string{"From: ann@shop.example, Ann <ANN@shop.example>"}, "ann@shop.example", ""},
		{"two authors", []string{"From: eve@evil.example, ann@shop.example"}, "", msgSeveralFrom},
		{"two From fields", []string{"From: eve@evil.example", "From: ann@shop.example"}, "", msgSeveralFrom},
		{"two authors, unusable sender", []string{"From: eve@evil.example, ann@shop.example", "Sender: nobody"}, "", msgSeveralFrom},
		{"two authors, two senders", []string{"From: eve@evil.example, ann@shop.example", "Sender: a@x.example, b@x.example"}, "", msgSeveralFromMulti},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Parse(msg("Hello", append(c.header, "Subject: hi")...), core.Envelope{})
			if c.err != "" {
				ce := errorOf(err)
				if ce == nil || ce.Code != core.EINVALID || ce.Message != c.err || e != nil {
					t.Fatalf("Parse = %v, %v; want the refusal %q", e, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.From.Addr != c.want {
				t.Fatalf("sender %q, want %q", e.From.Addr, c.want)
			}
		})
	}
}

// Delivered-To and X-Original-To give where mail fetched over IMAP was
// delivered, bounded.
func TestParse_DeliveredTo(t *testing.T) {
	header := []string{"From: a@example.com", "Subject: x", "Delivered-To: Bounces+ABC@support.example.com",
		"X-Original-To: support@support.example.com"}
	for i := range 20 {
		header = append(header, "Delivered-To: hop"+strings.Repeat("x", i)+"@example.com")
	}
	e := mustParse(t, msg("x", header...))
	if len(e.DeliveredTo) != maxDeliveredTo || e.DeliveredTo[0] != "bounces+abc@support.example.com" {
		t.Fatalf("DeliveredTo %q", e.DeliveredTo)
	}
	e = mustParse(t, msg("x", "From: a@example.com", "Subject: x", "X-Original-To: support@support.example.com"))
	if len(e.DeliveredTo) != 1 || e.DeliveredTo[0] != "support@support.example.com" {
		t.Fatalf("DeliveredTo %q", e.DeliveredTo)
	}
}
