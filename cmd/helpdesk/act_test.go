package main

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// `ticket act N help` lists, from core's table, exactly the actions the
// CLI's actor may run: an agent's with --agent, else the admin's.
func TestActHelp(t *testing.T) {
	for _, c := range []struct {
		kind string
		args []string
	}{
		{core.ActorAgent, []string{"ticket", "act", "1", "help", "--agent", "U0AGENT"}},
		{core.ActorAdmin, []string{"ticket", "act", "1", "help"}},
		{core.ActorAdmin, []string{"ticket", "act", "help"}},
	} {
		out, err := runCLI(t, c.args...)
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")[1:]
		want := core.ActionsFor(c.kind)
		if len(lines) != len(want) {
			t.Fatalf("%v lists %d actions, the table gives %s %d:\n%s", c.args, len(lines), c.kind, len(want), out)
		}
		for i, ac := range want {
			if l := strings.TrimSpace(lines[i]); !strings.HasPrefix(l, ac.Usage(c.kind)+" ") || !strings.HasSuffix(l, ac.Help) {
				t.Errorf("line %q, want %s: %s", lines[i], ac.Usage(c.kind), ac.Help)
			}
		}
	}
}

// Without --agent the CLI acts as the admin: it moves the ticket, but
// answering the customer needs an agent.
func TestAct_AsAdmin(t *testing.T) {
	path, _ := mustOutboxDB(t)
	out, err := runCLI(t, "ticket", "act", "1", "assign", "@U0BOB", "--db", path)
	if err != nil || !strings.Contains(out, "assigned to U0BOB") {
		t.Fatalf("assign as the admin: %v\n%s", err, out)
	}
	if out, _ := runCLI(t, "ticket", "show", "1", "--db", path); !strings.Contains(out, "status assigned") {
		t.Fatalf("ticket show:\n%s", out)
	}
	if _, err := runCLI(t, "ticket", "act", "1", "reply", "hello", "--db", path); err == nil || !strings.Contains(err.Error(), "only an agent") {
		t.Fatalf("reply as the admin: %v", err)
	}
	if _, err := runCLI(t, "ticket", "act", "1", "frobnicate", "--db", path); err == nil ||
		!strings.Contains(err.Error(), `unknown action "frobnicate" (assign`) {
		t.Fatalf("unknown action: %v", err)
	}
}
