package mail

import (
	"testing"
	"time"

	"helpdesk/core"
)

func TestParse_Subject(t *testing.T) {
	cases := []struct {
		name    string
		subject string
		want    string
	}{
		{"windows-1251", "Subject: " + word("windows-1251", "Привет, принтер"), "Привет, принтер"},
		{"utf-8", "Subject: =?UTF-8?Q?Caf=C3=A9_ouvert?=", "Café ouvert"},
		{"iso-8859-1", "Subject: Re: =?ISO-8859-1?Q?Se=F1or_t=E9cnico?=", "Re: Señor técnico"},
		{"koi8-r", "Subject: " + word("koi8-r", "Счёт"), "Счёт"},
		{"two words joined", "Subject: =?utf-8?B?" + b64("Grüße") + "?= =?utf-8?B?" + b64(" aus Köln") + "?=", "Grüße aus Köln"},
		{"unpadded base64", "Subject: =?utf-8?B?eHB0bw?=", "xpto"},
		{"raw latin-1", "Subject: Caf\xe9 cr\xe8me", "Café crème"},
		{"raw utf-8", "Subject: Café ☕", "Café ☕"},
		{"folded", "Subject: a long\r\n subject line", "a long subject line"},
		{"unknown charset", "Subject: =?x-unknown?Q?abc?=", "abc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, msg("body", "From: a@example.com", c.subject))
			if e.Subject != c.want {
				t.Fatalf("got %q, want %q", e.Subject, c.want)
			}
		})
	}
}

func TestParse_Addresses(t *testing.T) {
	cases := []struct {
		name string
		from string
		want core.Address
	}{
		{"plain", "From: Jane Doe <Jane.Doe@Example.COM>", core.Address{Name: "Jane Doe", Addr: "jane.doe@example.com"}},
		{"bare", "From: jane@example.com", core.Address{Addr: "jane@example.com"}},
		{"windows-1251 name", "From: " + word("windows-1251", "Светлана") + " <s@example.ru>", core.Address{Name: "Светлана", Addr: "s@example.ru"}},
		{"utf-8 name", "From: =?utf-8?Q?J=C3=BCrgen?= <j@example.de>", core.Address{Name: "Jürgen", Addr: "j@example.de"}},
		{"iso-8859-1 name", "From: =?iso-8859-1?Q?Jos=E9?= <jose@example.es>", core.Address{Name: "José", Addr: "jose@example.es"}},
		{"raw latin-1 name", "From: M\xfcller Hans <hans@example.com>", core.Address{Name: "Müller Hans", Addr: "hans@example.com"}},
		{"raw latin-1 quoted", "From: \"J\xfcrgen K\xf6nig\" <jk@example.com>", core.Address{Name: "Jürgen König", Addr: "jk@example.com"}},
		{"comment form", "From: jane@example.com (Jane Doe)", core.Address{Name: "Jane Doe", Addr: "jane@example.com"}},
		{"broken list", "From: Jane <jane@example.com>>", core.Address{Name: "Jane", Addr: "jane@example.com"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, msg("body", c.from, "Subject: hi"))
			if e.From != c.want {
				t.Fatalf("got %q, want %q", e.From, c.want)
			}
		})
	}
}

func TestParse_RecipientsAndDate(t *testing.T) {
	e := mustParse(t, msg("body",
		"From: a@example.com",
		"To: Support <Support@Example.com>, \"Doe, Jane\" <jane@example.com>",
		"Cc: boss@example.com",
		"Reply-To: Team <team@example.com>",
		"Subject: hi",
		"Date: Thu,  7 Apr 2016 19:04:30 +0900 (JST)"))
	to := []core.Address{{Name: "Support", Addr: "support@example.com"}, {Name: "Doe, Jane", Addr: "jane@example.com"}}
	if len(e.To) != 2 || e.To[0] != to[0] || e.To[1] != to[1] {
		t.Fatalf("To: got %q, want %q", e.To, to)
	}
	if len(e.Cc) != 1 || e.Cc[0].Addr != "boss@example.com" {
		t.Fatalf("Cc: got %q, want boss@example.com", e.Cc)
	}
	if len(e.ReplyTo) != 1 || e.ReplyTo[0] != (core.Address{Name: "Team", Addr: "team@example.com"}) {
		t.Fatalf("ReplyTo: got %q", e.ReplyTo)
	}
	want := time.Date(2016, 4, 7, 10, 4, 30, 0, time.UTC)
	if !e.Date.Equal(want) {
		t.Fatalf("Date: got %v, want %v", e.Date, want)
	}
}

func TestParse_Date(t *testing.T) {
	cases := []struct {
		name   string
		header []string
		zero   bool
	}{
		{"missing", nil, true},
		{"unparseable", []string{"Date: yesterday at noon"}, true},
		{"rfc 5322", []string{"Date: Mon, 1 Dec 2014 20:48:40 +0530"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, msg("body", append([]string{"From: a@example.com", "Subject: s"}, c.header...)...))
			if e.Date.IsZero() != c.zero {
				t.Fatalf("got %v, want zero=%v", e.Date, c.zero)
			}
		})
	}
}
