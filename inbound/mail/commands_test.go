package mail

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
)

func TestReadCommands(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []core.Command
		rest string
	}{
		{"none", "Hello\n#1042 is broken\n# heading", nil, "Hello\n#1042 is broken\n# heading"},
		{"close", "Thanks!\n#close", []core.Command{{Name: "close", Line: "#close"}}, "Thanks!"},
		{"case-insensitive", "#PRIORITY Major", []core.Command{{Name: "priority", Args: []string{"major"}, Line: "#PRIORITY Major"}}, ""},
		{"hotrush", "#hotrush off", []core.Command{{Name: "hotrush", Args: []string{"off"}, Line: "#hotrush off"}}, ""},
		{"rate with comment", "#rate 5  Quick and friendly", []core.Command{{Name: "rate", Args: []string{"5", "Quick and friendly"}, Line: "#rate 5  Quick and friendly"}}, ""},
		{"rate without comment", "#rate 3", []core.Command{{Name: "rate", Args: []string{"3", ""}, Line: "#rate 3"}}, ""},
		{"task", "#task 7 Ready_To_Upload", []core.Command{{Name: "task", Args: []string{"7", "ready_to_upload"}, Line: "#task 7 Ready_To_Upload"}}, ""},
		{"several, in order", "#confirm\nSee you.\n  #preagree", []core.Command{{Name: "confirm", Line: "#confirm"}, {Name: "preagree", Line: "#preagree"}}, "See you."},
		{"code block", "```\n#include <stdio.h>\n```", nil, "```\n#include <stdio.h>\n```"},
		{"cc add", "#cc Add Bob@Shop.example", []core.Command{{Name: "cc", Args: []string{"add", "Bob@Shop.example"}, Line: "#cc Add Bob@Shop.example"}}, ""},
		{"cc remove", "#cc remove carl@contractor.example", []core.Command{{Name: "cc", Args: []string{"remove", "carl@contractor.example"}, Line: "#cc remove carl@contractor.example"}}, ""},
		{"tickets", "#tickets", []core.Command{{Name: "tickets", Line: "#tickets"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, rest := readCommands(c.text)
			if !slices.EqualFunc(got, c.want, commandEqual) {
				t.Fatalf("commands=%+v, want %+v", got, c.want)
			}
			if rest != c.rest {
				t.Fatalf("rest=%q, want %q", rest, c.rest)
			}
		})
	}
}

func TestReadCommands_Errors(t *testing.T) {
	cases := []struct{ name, line, errPart string }{
		{"unknown", "#frobnicate now", "Valid commands are: #close"},
		{"priority word", "#priority urgent", "#priority needs one of major, normal, minor"},
		{"priority missing", "#priority", "#priority needs one of"},
		{"hotrush", "#hotrush maybe", "#hotrush needs one of on, off"},
		{"rate range", "#rate 6 great", "#rate needs a score from 1 to 5"},
		{"rate missing", "#rate", "#rate needs a score"},
		{"task status", "#task 3 done", "#task needs a task number"},
		{"task number", "#task x approved", "#task needs a task number"},
		{"close args", "#close please", "#close takes no arguments"},
		{"cc op", "#cc invite bob@shop.example", "#cc needs add or remove"},
		{"cc address", "#cc add bob", "#cc needs add or remove"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, rest := readCommands(c.line)
			if len(got) != 1 || !strings.Contains(got[0].Err, c.errPart) {
				t.Fatalf("commands=%+v, want one with Err containing %q", got, c.errPart)
			}
			if rest != "" {
				t.Fatalf("rest=%q, want the line removed", rest)
			}
		})
	}
}

// TestReadCommands_Cap: a mail yields at most MaxCommands commands; the
// command lines after them are counted, and every one is taken out of
// the text.
func TestReadCommands_Cap(t *testing.T) {
	cases := []struct {
		name        string
		commands    int
		wantIgnored int
	}{
		{"none", 0, 0},
		{"one", 1, 0},
		{"at the cap", MaxCommands, 0},
		{"one over", MaxCommands + 1, 1},
		{"50,000", 50000, 50000 - MaxCommands},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := "Please see below.\n" + strings.Repeat("#priority major\n", c.commands) + "Thanks"
			cmds, ignored, rest := readCommands(text)
			if len(cmds) != min(c.commands, MaxCommands) || ignored != c.wantIgnored {
				t.Fatalf("%d commands, %d ignored; want %d and %d", len(cmds), ignored, min(c.commands, MaxCommands), c.wantIgnored)
			}
			if c.commands > 0 && rest != "Please see below.\nThanks" {
				t.Fatalf("rest=%q, want every command line removed", truncate(rest, 200))
			}
		})
	}
	e := mustParse(t, msg(strings.Repeat("#close\n", 5000)+"Bye", "From: a@example.com", "Subject: s"))
	if len(e.Commands) != MaxCommands || e.CommandsIgnored != 5000-MaxCommands || e.Text != "Bye" {
		t.Fatalf("Parse: %d commands, %d ignored, text %q", len(e.Commands), e.CommandsIgnored, truncate(e.Text, 100))
	}
}

// Commands come from the new text only, never from the quote.
func TestParse_Commands(t *testing.T) {
	e := mustParse(t, msg("Done, thanks.\n#close\n#rate 5 Great\n\nOn Mon, 1 Dec 2014 at 20:48, Support <s@example.com> wrote:\n> #reopen\n> Ref: T1042-AEAQDX65TIY65WRRNMD3C\n",
		"From: a@example.com", "Subject: Re: [#1042] Printer"))
	var names []string
	for _, c := range e.Commands {
		names = append(names, c.Name)
	}
	if want := []string{"close", "rate"}; !slices.Equal(names, want) {
		t.Fatalf("commands=%q, want %q", names, want)
	}
	if e.Text != "Done, thanks." {
		t.Fatalf("Text=%q, want %q", e.Text, "Done, thanks.")
	}
	if want := []string{"T1042-AEAQDX65TIY65WRRNMD3C"}; !slices.Equal(e.Refs, want) {
		t.Fatalf("Refs=%q, want %q", e.Refs, want)
	}
}

func commandEqual(a, b core.Command) bool {
	return a.Name == b.Name && slices.Equal(a.Args, b.Args) && a.Line == b.Line && a.Err == b.Err
}

// FuzzCommands checks that any text yields commands with a name and a
// line, and that the rest never grows.
func FuzzCommands(f *testing.F) {
	for _, s := range []string{"#close", "#rate 5 ok", "#task 1 approved", "#x\n#\n# y\n#1", "```\n#a\n```", "#\xff\xfe", "#priority  MAJOR  "} {
		f.Add(s)
	}
	for _, name := range seedFiles(f) {
		f.Add(string(mustReadTestdata(f, name)))
	}
	f.Fuzz(func(t *testing.T, text string) {
		cmds, ignored, rest := readCommands(text)
		if len(rest) > len(text) {
			t.Fatalf("rest=%q longer than the text %q", rest, text)
		}
		if len(cmds) > MaxCommands || ignored < 0 || (ignored > 0 && len(cmds) != MaxCommands) {
			t.Fatalf("%d commands and %d ignored, want at most %d read before any is ignored", len(cmds), ignored, MaxCommands)
		}
		for _, c := range cmds {
			if c.Name == "" || !strings.HasPrefix(c.Line, "#") {
				t.Fatalf("command=%+v, want a name and its line", c)
			}
			if c.Err == "" && c.Name == "rate" && len(c.Args) != 2 {
				t.Fatalf("rate Args=%q, want score and comment", c.Args)
			}
		}
	})
}

// The #commands are the customer's rows of core's action table: every
// one is recognised and its arguments read, no other name is, and the
// refusal of an unknown one lists exactly them.
func TestCommands_Table(t *testing.T) {
	customer := core.ActionsFor(core.ActorCustomer)
	if len(customer) == 0 {
		t.Fatal("the table has no customer actions")
	}
	for _, ac := range customer {
		if argReaders[ac.Name] == nil && ac.Choices == nil && ac.Max != 0 {
			t.Errorf("#%s takes arguments, but nothing reads them", ac.Name)
		}
		if c := parseCommand("#" + ac.Name); !isCommandLine("#"+ac.Name) || strings.HasPrefix(c.Err, "Unknown command") {
			t.Errorf("#%s is not recognised: %+v", ac.Name, c)
		}
	}
	for name := range argReaders {
		if ac, ok := core.LookupAction(name); !ok || !ac.May(core.ActorCustomer) {
			t.Errorf("argReaders reads #%s, which is no customer action", name)
		}
	}
	for _, ac := range core.Actions() {
		if ac.May(core.ActorCustomer) {
			continue
		}
		if c := parseCommand("#" + ac.Name + " x"); !strings.HasPrefix(c.Err, "Unknown command") {
			t.Errorf("#%s is staff-only but recognised: %+v", ac.Name, c)
		}
	}
	c := parseCommand("#frobnicate")
	var want []string
	for _, ac := range customer {
		want = append(want, "#"+ac.Usage(core.ActorCustomer))
	}
	if list := "Valid commands are: " + strings.Join(want, ", ") + "."; !strings.HasSuffix(c.Err, list) {
		t.Fatalf("refusal %q, want it to end %q", c.Err, list)
	}
}

// BenchmarkReadCommands reads adversarial command texts of two sizes
// beside plain text of the same size: the ns/byte of each pair stays the
// same (linear), and a command line costs about what a text line does
// once MaxCommands are read.
func BenchmarkReadCommands(b *testing.B) {
	inputs := []struct {
		name string
		line string
	}{
		{"text", "See the order page, it is blank.\n"},
		{"commands", "#priority major please\n"},
		{"unknown", "#frobnicate the printer\n"},
	}
	for _, in := range inputs {
		for _, n := range []int{50000, 200000} {
			text := strings.Repeat(in.line, n)
			b.Run(fmt.Sprintf("%s/%d", in.name, n), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				b.ReportAllocs()
				for b.Loop() {
					readCommands(text)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(text)), "ns/byte")
			})
		}
	}
}
