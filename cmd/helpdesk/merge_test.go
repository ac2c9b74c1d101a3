package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccountMergeCommand pins docs/rules.md §1 end to end on a database
// file: `account merge` moves a presales account's profile, ticket (with
// its participant) and credits into a customer, leaves the old account
// marked merged with its ledger, keeps `credits verify` clean, and
// refuses the mistakes.
func TestAccountMergeCommand(t *testing.T) {
	env := []string{"HELPDESK_STORE_PATH=" + filepath.Join(t.TempDir(), "h.db")}
	run := func(args ...string) string {
		t.Helper()
		out, err := runCLIEnv(context.Background(), env, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return string(out)
	}
	run("migrate")
	run("account", "add", "--primary", "lead@prospect.example", "--kind", "presales", "--name", "Prospect")
	run("credits", "purchase", "lead@prospect.example", "--package", "25")
	run("ticket", "open", "--to", "lead@prospect.example", "--subject", "Your trial", "--text", "Hello")
	run("ticket", "act", "1", "cc", "add", "carl@contractor.example", "--agent", "U0AGENT")
	run("account", "add", "--primary", "boss@shop.example", "--name", "Shop")

	var m struct {
		From, To, Profiles, Tickets, Credits int
		Account                              struct {
			Credits, Tickets int
			Profiles         []struct{ Email, Role string }
		}
	}
	mustJSON(t, []byte(run("account", "merge", "lead@prospect.example", "2", "--json")), &m)
	if m.From != 1 || m.To != 2 || m.Profiles != 1 || m.Tickets != 1 || m.Credits != 25 ||
		m.Account.Credits != 25 || m.Account.Tickets != 1 || len(m.Account.Profiles) != 2 ||
		m.Account.Profiles[0].Email != "lead@prospect.example" || m.Account.Profiles[0].Role != "secondary" {
		t.Fatalf("merge: %+v", m)
	}
	var old struct {
		Credits, Tickets int
		MergedInto       int `json:"merged_into"`
	}
	mustJSON(t, []byte(run("account", "show", "1", "--json")), &old)
	if old.MergedInto != 2 || old.Credits != 0 || old.Tickets != 0 {
		t.Fatalf("the merged account: %+v", old)
	}
	if out := run("ticket", "show", "1"); !strings.Contains(out, "account customer #2") || !strings.Contains(out, "cc carl@contractor.example") {
		t.Fatalf("ticket show:\n%s", out)
	}
	if out := run("credits", "show", "1"); !strings.Contains(out, "purchase") || !strings.Contains(out, "merge into account 2") {
		t.Fatalf("the merged account's ledger:\n%s", out)
	}
	if out := run("credits", "verify"); !strings.Contains(out, "verified") {
		t.Fatalf("verify: %s", out)
	}

	run("account", "add", "--primary", "x@lead.example", "--kind", "presales")
	for _, c := range []struct{ args, want string }{
		{"1 2", "merged into account 2 already"},
		{"2 boss@shop.example", "into itself"},
		{"3 1", "merge into that one"},
		{"2 3", "or pass --force"},
	} {
		_, err := runCLIEnv(context.Background(), env, append([]string{"account", "merge"}, strings.Fields(c.args)...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("account merge %s: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestProfileMoveCommand pins docs/rules.md §1 end to end: `profile move`
// moves a person to another account with a role and leaves their
// tickets, and refuses to take away the only primary of an account with
// other profiles.
func TestProfileMoveCommand(t *testing.T) {
	env := []string{"HELPDESK_STORE_PATH=" + filepath.Join(t.TempDir(), "h.db")}
	run := func(args ...string) string {
		t.Helper()
		out, err := runCLIEnv(context.Background(), env, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return string(out)
	}
	run("migrate")
	run("account", "add", "--primary", "boss@shop.example")
	run("profile", "add", "1", "dev@shop.example")
	run("ticket", "open", "--to", "dev@shop.example", "--subject", "Hello", "--text", "Hi")
	run("account", "add", "--primary", "lead@corp.example")
	var p struct {
		Account int64
		Role    string
		Tickets int
	}
	mustJSON(t, []byte(run("profile", "move", "dev@shop.example", "--to", "lead@corp.example", "--role", "advanced_secondary", "--json")), &p)
	if p.Account != 2 || p.Role != "advanced_secondary" || p.Tickets != 1 {
		t.Fatalf("profile move: %+v", p)
	}
	if out := run("ticket", "show", "1"); !strings.Contains(out, "#1 (boss@shop.example)") {
		t.Fatalf("the ticket left its account:\n%s", out)
	}
	_, err := runCLIEnv(context.Background(), env, "profile", "move", "lead@corp.example", "--to", "1")
	if err == nil || !strings.Contains(err.Error(), "make one of them primary first") {
		t.Fatalf("moving the only primary: %v", err)
	}
}
