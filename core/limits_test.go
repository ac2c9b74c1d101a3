package core_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"helpdesk/core"
	"helpdesk/internal/storetest"
)

// mustLimitsFixture is a service with the given [limits].
func mustLimitsFixture(t *testing.T, l core.MailLimits) *fixture {
	t.Helper()
	db := storetest.Open(t)
	f := &fixture{db: db, now: t0}
	var err error
	f.svc, err = core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: secret,
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
		},
		Limits: l,
		Now:    func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestExcerpt(t *testing.T) {
	cases := []struct {
		name string
		s    string
		max  int
		want string
	}{
		{"short", "hello world", 20, "hello world"},
		{"exact", "hello world", 11, "hello world"},
		{"at a word", "one two three four five six", 20, "one two three …"},
		{"no blank in the last fifth", strings.Repeat("x", 30), 10, "xxxxxx …"},
		{"never inside a character", "жжжжжж", 7, "ж …"},
		{"a line break is a blank", "first line\nsecond line here", 16, "first line …"},
		{"too small for the marker", "hello", 3, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := core.Excerpt(c.s, c.max); got != c.want {
				t.Fatalf("Excerpt(%q, %d) = %q, want %q", c.s, c.max, got, c.want)
			}
		})
	}
	pieces := []string{"a", "bc", " ", "\n", "ж", "日本", "😀", "\xff", "word "}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s, n := b.String(), rng.IntN(80)
		got := core.Excerpt(s, n)
		if len(got) > n && got != s {
			t.Fatalf("Excerpt(%q, %d) = %q: %d bytes", s, n, got, len(got))
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Excerpt(%q, %d) = %q: invalid UTF-8", s, n, got)
		}
		if got != s && got != "" && !strings.HasPrefix(s, strings.TrimSuffix(got, " …")) {
			t.Fatalf("Excerpt(%q, %d) = %q: not a start of the text", s, n, got)
		}
	}
}

func TestTrimReferences(t *testing.T) {
	ids := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("m%d@x", i))
		}
		return out
	}
	cases := []struct {
		name  string
		ids   []string
		n     int
		first string
		last  string
		len   int
	}{
		{"none", nil, 10, "", "", 0},
		{"fewer", ids(5), 10, "m0@x", "m4@x", 5},
		{"as many", ids(10), 10, "m0@x", "m9@x", 10},
		{"one more", ids(11), 10, "m0@x", "m10@x", 10},
		{"100,000", ids(100000), 10, "m0@x", "m99999@x", 10},
		{"only one kept", ids(3), 1, "m0@x", "m0@x", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := core.TrimReferences(c.ids, c.n)
			if len(got) != c.len {
				t.Fatalf("%d ids, want %d", len(got), c.len)
			}
			if c.len > 0 && (got[0] != c.first || got[len(got)-1] != c.last) {
				t.Fatalf("kept %q … %q, want %q … %q", got[0], got[len(got)-1], c.first, c.last)
			}
			if c.len > 1 && len(c.ids) > c.n && !slices.Equal(got[1:], c.ids[len(c.ids)-c.n+1:]) {
				t.Fatalf("kept %q, want the first and the last %d", got, c.n-1)
			}
		})
	}
}

func TestMailLimits_Validate(t *testing.T) {
	cases := []struct {
		l    core.MailLimits
		want string
	}{
		{core.MailLimits{}, ""},
		{core.CeilingLimits(), ""},
		{core.MailLimits{CommandsPerMail: core.MaxCommandsPerMail + 1}, "limits.commands_per_mail"},
		{core.MailLimits{CommandsPerMail: -1}, "limits.commands_per_mail"},
		{core.MailLimits{QuoteBytes: 100}, "limits.quote_bytes"},
		{core.MailLimits{QuoteBytes: core.MaxQuoteBytes + 1}, "limits.quote_bytes"},
		{core.MailLimits{References: 1}, "limits.references"},
		{core.MailLimits{References: core.MaxReferences + 1}, "limits.references"},
	}
	for _, c := range cases {
		err := c.l.Validate()
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate(%+v) = %v, want %q", c.l, err, c.want)
		}
		if _, nerr := core.NewService(nil, core.Options{Domain: "d.example", Secret: secret, Limits: c.l,
			Departments: []core.Department{{Name: "support", Addresses: []string{"s@d.example"}}}}); (nerr == nil) != (c.want == "") {
			t.Errorf("NewService with %+v: %v", c.l, nerr)
		}
	}
}

// TestCommands_Cap: only the first commands_per_mail commands of a mail
// run; the others, those the parser counted too, are answered in one
// line, in the sender's language.
func TestCommands_Cap(t *testing.T) {
	cases := []struct {
		name     string
		limit    int // [limits] commands_per_mail; 0 is the default
		commands int // parsed, as inbound/mail hands them over
		ignored  int // counted by the parser after its ceiling
		lang     string
		ran      int
		last     string // the last result line
	}{
		{"under the default", 0, 3, 0, "", 3, "#priority minor: done"},
		{"at the default", 0, core.DefaultCommandsPerMail, 0, "", core.DefaultCommandsPerMail, "#priority minor: done"},
		{"over the default", 0, core.MaxCommandsPerMail, 50000 - core.MaxCommandsPerMail, "", core.DefaultCommandsPerMail,
			"… and 49,990 more commands were ignored: at most 10 per mail"},
		{"one over a set limit", 3, 4, 0, "", 3, "… and 1 more command was ignored: at most 3 per mail"},
		{"in Russian", 3, 5, 0, core.LangRU, 3,
			"… остальные команды (ещё 2) не выполнены: не больше 3 в одном письме"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustLimitsFixture(t, core.MailLimits{CommandsPerMail: c.limit})
			n := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Blank page", "help")).Ticket
			if c.lang != "" {
				f.mustReceive(t, commandMail(n, 1, 0, "#lang "+c.lang))
			}
			f.mustReceive(t, commandMail(n, c.commands, c.ignored, ""))
			notes := f.emails(t, n, core.TemplateCommands)
			res := notes[len(notes)-1].Data.Results
			want := c.ran
			if c.commands > c.ran || c.ignored > 0 {
				want++
			}
			if len(res) != want || !strings.HasPrefix(res[len(res)-1], c.last) {
				t.Fatalf("%d result lines ending %q, want %d ending %q", len(res), res[len(res)-1], want, c.last)
			}
			for _, r := range res[:c.ran] {
				if !strings.HasPrefix(r, "#priority") {
					t.Fatalf("result %q, want a #priority command's", r)
				}
			}
		})
	}
}

// commandMail is a reply to ticket n with count #priority commands
// (alternating, so that each one changes something) and ignored more
// counted by the parser; lang, when set, is its one command instead.
func commandMail(n int64, count, ignored int, lang string) *core.Email {
	e := mail("ann@shop.example", "support@support.example.com", fmt.Sprintf("Re: [#%d] Blank page", n), "")
	if lang != "" {
		name, arg, _ := strings.Cut(strings.TrimPrefix(lang, "#"), " ")
		e.Commands = []core.Command{{Name: name, Args: []string{arg}, Line: lang}}
		return e
	}
	for i := range count {
		p := []string{"major", "minor"}[i%2]
		if i == count-1 {
			p = "minor"
		}
		e.Commands = append(e.Commands, core.Command{Name: "priority", Args: []string{p}, Line: "#priority " + p})
	}
	e.CommandsIgnored = ignored
	return e
}

// TestReceive_BoundedIDs: of a mail's References only the first and the
// last references−1 are looked up and passed on, so an id past them finds
// nothing, and the acknowledgment's References stay within the limit.
func TestReceive_BoundedIDs(t *testing.T) {
	f := mustLimitsFixture(t, core.MailLimits{})
	first := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Blank page", "help"))
	known := f.ack(t, first.Ticket).MessageID

	refs := make([]string, 100000)
	for i := range refs {
		refs[i] = fmt.Sprintf("r%d@client.example", i)
	}
	refs[50000] = known // beyond the ids looked up
	e := mail("ann@shop.example", "support@support.example.com", "New problem", "another one")
	e.References = slices.Clone(refs)
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeNew || rc.Ticket == first.Ticket {
		t.Fatalf("receipt %+v: an id past the looked-up ones matched", rc)
	}
	ack := f.ack(t, rc.Ticket)
	if len(ack.References) != core.DefaultReferences || ack.References[0] != refs[0] ||
		ack.References[len(ack.References)-1] != e.MessageID {
		t.Fatalf("ack References %d ids (%q … %q), want %d from the first to the mail's own",
			len(ack.References), ack.References[0], ack.References[len(ack.References)-1], core.DefaultReferences)
	}

	refs[len(refs)-1] = known // the newest: looked up
	e = mail("ann@shop.example", "support@support.example.com", "Re: Blank page", "more")
	e.References = refs
	if rc := f.mustReceive(t, e); rc.Ticket != first.Ticket {
		t.Fatalf("receipt %+v: the newest reference did not match ticket %d", rc, first.Ticket)
	}
}

// TestNotices_Bounded: what a stranger puts in a mail reaches the
// acknowledgment's row cut to its bounds: the quote to quote_bytes, the
// subject, the name.
func TestNotices_Bounded(t *testing.T) {
	f := mustLimitsFixture(t, core.MailLimits{QuoteBytes: 500})
	e := mail("ann@shop.example", "support@support.example.com", strings.Repeat("Subject ", 2000), strings.Repeat("text ", 200000))
	e.From.Name = strings.Repeat("Name ", 1000)
	n := f.ack(t, f.mustReceive(t, e).Ticket)
	for _, c := range []struct {
		what string
		s    string
		max  int
	}{
		{"quote", n.Data.Text, 500},
		{"subject", n.Data.Subject, 200},
		{"header subject", n.Subject, 224},
		{"name", n.Data.Name, 64},
		{"To name", n.To.Name, 64},
	} {
		if len(c.s) > c.max || !strings.HasSuffix(c.s, " …") {
			t.Errorf("%s: %d bytes (%q…), want at most %d, marked", c.what, len(c.s), c.s[:min(len(c.s), 30)], c.max)
		}
	}
}
