package main

import (
	"os"
	"path/filepath"
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

// TestAct_AgentDepartmentsCLI: `ticket act --agent` acts only in the
// agent's departments ([[agents]] departments), like Slack; the refusal
// is a run-time failure (exit code 1) that says why.
func TestAct_AgentDepartmentsCLI(t *testing.T) {
	path, _ := mustOutboxDB(t) // ticket #1 is support's
	cfg := filepath.Join(t.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte(`[[agents]]
id = "U0SALES"
name = "Sam"
departments = ["sales"]
[[agents]]
id = "U0SUP"
departments = ["support"]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, "ticket", "act", "1", "priority", "major", "--agent", "U0SALES", "--config", cfg, "--db", path)
	if err == nil || !strings.Contains(err.Error(), "ticket #1 belongs to the support department, and Sam works in sales only") ||
		exitCode(err) != 1 {
		t.Fatalf("a sales agent on a support ticket: %v (exit %d)", err, exitCode(err))
	}
	if out, err := runCLI(t, "ticket", "act", "1", "priority", "major", "--agent", "U0SUP", "--config", cfg, "--db", path); err != nil {
		t.Fatalf("a support agent on a support ticket: %v\n%s", err, out)
	}
}
