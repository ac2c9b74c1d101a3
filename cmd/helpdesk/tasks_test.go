package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTaskScheduleCLI: `ticket act N task N developer|start|due|progress`
// sets a project task's schedule from the CLI, and `ticket show` prints
// it, in text and in JSON (docs/rules.md §2).
func TestTaskScheduleCLI(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte("[departments.support]\n[departments.projects]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--config", cfg, "--db", filepath.Join(dir, "h.db")}
	run := func(args ...string) string {
		t.Helper()
		out, err := runCLI(t, append(args, base...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return out
	}
	run("migrate")
	run("ticket", "open", "--to", "ann@shop.example", "--subject", "New shop", "--text", "Plan", "--department", "projects")
	run("ticket", "act", "1", "task", "add", "Theme", "port")
	for _, args := range []string{"1 developer Ivan Petrov", "1 start 2026-01-05", "1 due 2026-01-20", "1 progress 40"} {
		if out := run(append([]string{"ticket", "act", "1", "task"}, strings.Fields(args)...)...); !strings.Contains(out, "task 1 ") {
			t.Fatalf("task %s: %q", args, out)
		}
	}
	if out, err := runCLI(t, append([]string{"ticket", "act", "1", "task", "1", "progress", "140"}, base...)...); err == nil ||
		!strings.Contains(out+err.Error(), "from 0 to 100") {
		t.Fatalf("progress 140: %v %s", err, out)
	}
	// The wall clock is past January 2026's due date: the task is overdue.
	if out := run("ticket", "show", "1"); !strings.Contains(out,
		"task 1: Theme port [scheduled] 40% · Ivan Petrov · from 2026-01-05 · due 2026-01-20 · OVERDUE") {
		t.Fatalf("ticket show:\n%s", out)
	}
	var show struct {
		Tasks []struct {
			Developer, Status string
			Start, Due        *string
			Progress          int
			Overdue           bool
		}
	}
	mustJSON(t, []byte(run("ticket", "show", "1", "--json")), &show)
	if len(show.Tasks) != 1 || show.Tasks[0].Developer != "Ivan Petrov" || show.Tasks[0].Due == nil ||
		*show.Tasks[0].Due != "2026-01-20" || show.Tasks[0].Progress != 40 || !show.Tasks[0].Overdue {
		t.Fatalf("ticket show --json tasks %+v", show.Tasks)
	}
}
