package mail

import (
	"regexp"
	"slices"
	"testing"
)

func TestMsgIDs(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
		junk int
	}{
		{"one", "<a@example.com>", []string{"a@example.com"}, 0},
		{"several folded", "<a@x>\r\n <b@y>\t<c@z>", []string{"a@x", "b@y", "c@z"}, 0},
		{"no brackets", "a@example.com", []string{"a@example.com"}, 0},
		{"mixed", "a@x <b@y>, c@z", []string{"a@x", "b@y", "c@z"}, 0},
		{"comments", "<a@x> (the first (nested) one <q@q>) <b@y>", []string{"a@x", "b@y"}, 0},
		{"junk words", `Your message of "Mon, 1 Jan" <a@x>`, []string{"a@x"}, 4},
		{"empty and spaced junk", "<> <foo bar> <b@y>", []string{"b@y"}, 2},
		{"folded inside an id", "<abc.\r\n def@example.com>", []string{"abc.def@example.com"}, 0},
		{"missing close", "<a@x <b@y>", []string{"a@x", "b@y"}, 0},
		{"duplicates", "<a@x> <a@x>", []string{"a@x"}, 0},
		{"no at inside brackets", "<1234.5678>", []string{"1234.5678"}, 0},
		{"empty", "", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, junk := msgIDs(c.in)
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if junk != c.junk {
				t.Fatalf("junk=%d, want %d", junk, c.junk)
			}
		})
	}
}

func TestParse_IDs(t *testing.T) {
	e := mustParse(t, msg("body",
		"From: a@example.com", "Subject: s",
		"Message-ID: abc123@mail.example.com",
		"In-Reply-To: <t1042.m7@helpdesk.example.com> (Support's message)",
		"References: <root@x>\r\n junk-token <t1042.m7@helpdesk.example.com>\r\n\t<>"))
	if e.MessageID != "abc123@mail.example.com" {
		t.Fatalf("MessageID: got %q, want %q", e.MessageID, "abc123@mail.example.com")
	}
	if want := []string{"t1042.m7@helpdesk.example.com"}; !slices.Equal(e.InReplyTo, want) {
		t.Fatalf("InReplyTo: got %q, want %q", e.InReplyTo, want)
	}
	if want := []string{"root@x", "t1042.m7@helpdesk.example.com"}; !slices.Equal(e.References, want) {
		t.Fatalf("References: got %q, want %q", e.References, want)
	}
	if !hasWarning(e, "References: ignored 2") {
		t.Fatalf("got warnings %q, want one about ignored References tokens", e.Warnings)
	}
}

func TestParse_MissingMessageID(t *testing.T) {
	synthetic := regexp.MustCompile(`^missing-[0-9a-f]{32}@helpdesk\.invalid$`)
	cases := []struct {
		name   string
		header string
	}{
		{"absent", "X-Nothing: here"},
		{"empty", "Message-ID:"},
		{"junk", "Message-ID: <> (none)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := msg("body", "From: a@example.com", "Subject: s", c.header)
			e1, e2 := mustParse(t, raw), mustParse(t, append([]byte(nil), raw...))
			if !synthetic.MatchString(e1.MessageID) {
				t.Fatalf("got %q, want missing-<32 hex>@helpdesk.invalid", e1.MessageID)
			}
			if e1.MessageID != e2.MessageID {
				t.Fatalf("got %q, want %q for the same bytes", e2.MessageID, e1.MessageID)
			}
			if !hasWarning(e1, "Message-ID") {
				t.Fatalf("got warnings %q, want one about the Message-ID", e1.Warnings)
			}
			other := mustParse(t, msg("other body", "From: a@example.com", "Subject: s", c.header))
			if other.MessageID == e1.MessageID {
				t.Fatalf("got %q for different mails, want different ids", other.MessageID)
			}
		})
	}
}
