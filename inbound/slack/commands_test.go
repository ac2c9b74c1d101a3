package slack

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
)

// Every /helpdesk command, in order on one ticket, answered ephemerally
// with what was done or why not.
func TestCommands(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	other := env.mustTicket(t, "bob@shop.example")
	msgs := env.messages(t, n)
	firstID := msgs[0].MessageID
	if _, err := env.svc.Entitle(context.Background(), "ann@shop.example", time.Now().Add(30*24*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	// A second message to split off.
	if _, err := env.svc.Receive(context.Background(), &core.Email{
		MessageID: "second@shop.example", InReplyTo: []string{firstID}, From: core.Address{Addr: "ann@shop.example"},
		Subject: "Re: Checkout is blank", Text: "Also: invoices are wrong.", BodyHash: "h-second", Raw: []byte("raw"),
		Envelope: core.Envelope{Sender: "ann@shop.example", Recipients: []string{"support@support.example.com"}},
	}); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		text  string
		want  []string // in the answer
		check func(t *testing.T)
	}{
		{"help", []string{"Usage", "#N assign", "find", "queue", "credits"}, nil},
		{"", []string{"Usage"}, nil},
		{"frobnicate", []string{`I do not know "frobnicate"`, "Usage"}, nil},
		{"#1", []string{"Say what to do with ticket #1"}, nil},
		{"#1 assign <@U0BOB|bob>", []string{"Ticket #1 assigned to U0BOB."}, func(t *testing.T) {
			if r := env.ticket(t, n); r.Assignee != "U0BOB" || r.Status != core.StatusAssigned {
				t.Fatalf("ticket %s assigned to %q", r.Status, r.Assignee)
			}
		}},
		{"#1 assign me", []string{"assigned to U0AGENT"}, func(t *testing.T) {
			if r := env.ticket(t, n); r.Assignee != "U0AGENT" {
				t.Fatalf("assigned to %q", r.Assignee)
			}
		}},
		{"#1 assign @Bob", []string{"assigned to U0BOB"}, nil},
		{"#1 assign <@U0STRANGER>", []string{"Not done", "not one of the support team's agents"}, func(t *testing.T) {
			if r := env.ticket(t, n); r.Assignee != "U0BOB" {
				t.Fatalf("assigned to %q", r.Assignee)
			}
		}},
		{"#1 status in_progress", []string{"Ticket #1 is now in_progress."}, nil},
		{"#1 status frozen", []string{"Not done", "not a status"}, nil},
		{"#1 priority major", []string{"priority major"}, func(t *testing.T) {
			if r := env.ticket(t, n); r.Priority != "major" {
				t.Fatalf("priority %s", r.Priority)
			}
		}},
		{"#1 hotrush on", []string{"HotRush is on"}, func(t *testing.T) {
			if r := env.ticket(t, n); !r.HotRush {
				t.Fatal("HotRush is off")
			}
		}},
		{"#1 hotrush off", []string{"HotRush is off"}, nil},
		{"#1 category 2", []string{"ategory"}, nil},
		{"#1 split second@shop.example", []string{"#1"}, nil},
		{"#1 note customer is on the old plan &lt;v3&gt;", []string{"Note added to ticket #1."}, func(t *testing.T) {
			ms := env.messages(t, n)
			if last := ms[len(ms)-1]; last.Direction != core.DirNote || last.Text != "customer is on the old plan <v3>" {
				t.Fatalf("last message %+v", last)
			}
		}},
		{"#1 solved", []string{"Ticket #1 is marked solved."}, func(t *testing.T) {
			if r := env.ticket(t, n); !r.Solved {
				t.Fatal("not solved")
			}
		}},
		{"find #1", []string{"*#1* Checkout is blank", "in_progress", "marked solved", "assigned to <@U0BOB>",
			"<https://example.slack.com/archives/C0SUPPORT/p1700000000000001|thread>"}, nil},
		{"find &lt;" + firstID + "&gt;", []string{"is message", "of *#1*"}, nil},
		{"find <mailto:nothing@nowhere.example|nothing@nowhere.example>", []string{"No mail with Message-ID"}, nil},
		{"find #99", []string{"There is no ticket #99."}, nil},
		{"#1 tag add billing", []string{"Ticket #1 is tagged billing."}, nil},
		{"#1 tag add Billing!", []string{"Not done", "lower case"}, nil},
		{"#1 tag remove vip", []string{"Not done", "not tagged vip"}, nil},
		{"find old plan", []string{"*#1* Checkout is blank (in_progress): ", "*old* *plan* &lt;v3&gt;"}, nil},
		{"find old plan tag:billing status:in_progress dept:support", []string{"*#1* Checkout is blank"}, nil},
		{"find old plan tag:vip", []string{"No ticket holds old plan."}, nil},
		{"find old plan department:sales", []string{"No ticket holds old plan."}, nil},
		{`find "nowhere* OR (here`, []string{"No ticket holds nowhere or here."}, nil},
		{"find ***", []string{"at least one word"}, nil},
		{"queue", []string{"*Queue*", "*#2*"}, nil},
		{"queue tag:vip", []string{"The queue is empty: no ticket tagged vip awaits a reply."}, nil},
		{"#2 tag add vip", []string{"Ticket #2 is tagged vip."}, nil},
		{"queue vip", []string{"*Queue* tagged vip", "*#2*"}, nil},
		{"credits <mailto:ann@shop.example|ann@shop.example>", []string{"Credits are not available yet."}, nil},
		{"#1 close", []string{"Ticket #1 is closed."}, func(t *testing.T) {
			if r := env.ticket(t, n); r.Status != core.StatusClosed {
				t.Fatalf("status %s", r.Status)
			}
		}},
		{"#1 close", []string{"Not done", "closed already"}, nil},
		{"#99 close", []string{"Not done", "not found"}, nil},
		{"#2 merge #1", []string{"Not done", "different accounts"}, nil},
	}
	for _, s := range steps {
		got := env.command(t, "U0AGENT", s.text)
		t.Logf("/helpdesk %s → %s", s.text, got)
		for _, w := range s.want {
			if !strings.Contains(got, w) {
				t.Fatalf("/helpdesk %s answered %q, want %q in it", s.text, got, w)
			}
		}
		if strings.Contains(got, "went wrong") {
			t.Fatalf("/helpdesk %s answered %q", s.text, got)
		}
		if s.check != nil {
			s.check(t)
		}
	}
	if r := env.ticket(t, other); r.Status != core.StatusSubmitted {
		t.Fatalf("the other ticket is %s", r.Status)
	}
}

// Someone who is not an agent gets a polite refusal and changes nothing,
// whatever the command.
func TestCommands_NonAgent(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	before := env.snapshot(t, n)
	for _, text := range []string{"#1 close", "#1 assign me", "find #1", "queue", "credits ann@shop.example", "help"} {
		for _, user := range []string{"U0STRANGER", "U0NOBODY"} {
			got := env.command(t, user, text)
			if got != notAgent {
				t.Fatalf("%s: /helpdesk %s answered %q", user, text, got)
			}
		}
	}
	if got := env.snapshot(t, n); got != before {
		t.Fatalf("changed: %s, was %s", got, before)
	}
	if env.changed != 0 {
		t.Fatalf("outbox kicked %d times", env.changed)
	}
}

func TestRest(t *testing.T) {
	cases := []struct {
		text string
		n    int
		want string
	}{
		{"#1 reply Hello,\nline two", 2, "Hello,\nline two"},
		{"  #1   note   x  ", 2, "x"},
		{"#1 close", 2, ""},
		{"#1", 2, ""},
	}
	for _, c := range cases {
		if got := rest(c.text, c.n); got != c.want {
			t.Errorf("rest(%q, %d) = %q, want %q", c.text, c.n, got, c.want)
		}
	}
}

// /helpdesk offers the agent's rows of core's action table, and the
// card's buttons run actions an agent may run.
func TestCommands_Table(t *testing.T) {
	agentActions := core.ActionsFor(core.ActorAgent)
	for _, ac := range agentActions {
		if line := "• `/helpdesk #N " + ac.Usage(core.ActorAgent) + "`: " + ac.Help + "\n"; !strings.Contains(usage, line) {
			t.Errorf("help lacks %q", line)
		}
	}
	if got := strings.Count(usage, "/helpdesk #N "); got != len(agentActions) {
		t.Errorf("help offers %d ticket actions, the table gives agents %d", got, len(agentActions))
	}
	for button, name := range buttonActions {
		if ac, ok := core.LookupAction(name); !ok || !ac.May(core.ActorAgent) {
			t.Errorf("button %s runs %q, no action of an agent's", button, name)
		}
	}
}

// TestCommands_AnswerLimits: answers that list or quote what customers
// wrote stay within what Slack shows and takes, however long their
// subjects and addresses.
func TestCommands_AnswerLimits(t *testing.T) {
	env := mustDesk(t)
	ctx := context.Background()
	for i := range 12 {
		id := fmt.Sprintf("long%d@shop.example", i)
		if _, err := env.svc.Receive(ctx, &core.Email{
			MessageID: id, From: core.Address{Addr: "ann@shop.example"}, Subject: strings.Repeat("&<", 5000),
			Text: "x", BodyHash: "h-" + id, Raw: []byte("raw " + id),
			Envelope: core.Envelope{Sender: "ann@shop.example", Recipients: []string{"support@support.example.com"}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, text := range []string{"queue", "find #1", "find long1@shop.example", "find <" + strings.Repeat("x", 5000) + "@y>",
		"credits " + strings.Repeat("&", 5000) + "@x", strings.Repeat("&", 5000)} {
		answer := env.command(t, "U0AGENT", text)
		if err := slacklimit.Check(answer, nil); err != nil || utf8.RuneCountInString(answer) > answerShown {
			t.Errorf("/helpdesk %.20s…: %d characters (%v)", text, utf8.RuneCountInString(answer), err)
		}
		if strings.Contains(answer, "<&") || strings.Contains(answer, "&<") {
			t.Errorf("/helpdesk %.20s…: unescaped text in %q", text, answer[:100])
		}
	}
}

// TestCommands_Merge: `/helpdesk #N merge #M` merges two tickets of one
// account (docs/rules.md §2), and the merged one takes no more actions.
func TestCommands_Merge(t *testing.T) {
	env := mustDesk(t)
	m := env.mustTicket(t, "ann@shop.example")
	n := env.mustTicket(t, "ann@shop.example")
	for _, s := range []struct{ text, want string }{
		{fmt.Sprintf("#%d merge #%d", n, n), "into itself"},
		{fmt.Sprintf("#%d merge #%d", n, m), fmt.Sprintf("Ticket #%d merged into #%d.", n, m)},
		{fmt.Sprintf("#%d note hello", n), fmt.Sprintf("merged into #%d; act on #%d", m, m)},
		{fmt.Sprintf("#%d merge #%d", m, n), fmt.Sprintf("merged into #%d; merge into that one", m)},
	} {
		if got := env.command(t, "U0AGENT", s.text); !strings.Contains(got, s.want) {
			t.Fatalf("/helpdesk %s answered %q, want %q", s.text, got, s.want)
		}
	}
	if r := env.ticket(t, n); r.Status != core.StatusClosed {
		t.Fatalf("merged ticket is %s", r.Status)
	}
	if got := len(env.messages(t, m)); got != 2 {
		t.Fatalf("survivor has %d messages, want 2", got)
	}
}
