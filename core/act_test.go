package core_test

import (
	"strings"
	"testing"

	"helpdesk/core"
)

var admin = core.Actor{Kind: core.ActorAdmin, ID: "admin"}

// The admin moves tickets as agents do, but speaks for no agent.
func TestAct_Admin(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	if _, err := f.act(n, admin, "assign", "me"); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("assign me by the admin: %v", err)
	}
	if res := mustAct(t, f, n, admin, "assign", "@U0BOB"); !strings.Contains(res, "assigned to U0BOB") {
		t.Fatalf("assign: %s", res)
	}
	if r := f.ticket(t, n); r.Status != core.StatusAssigned || r.Assignee != "U0BOB" {
		t.Fatalf("ticket %s, assigned to %q", r.Status, r.Assignee)
	}
	for _, action := range []string{"reply", "note"} {
		_, err := f.act(n, admin, action, "hello")
		if core.ErrorCode(err) != core.EFORBIDDEN || !strings.Contains(core.ErrorMessage(err), "only an agent") {
			t.Fatalf("%s by the admin: %v", action, err)
		}
	}
	if _, err := f.act(n, admin, "rate", "5"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("rate by the admin: %v", err)
	}
	mustAct(t, f, n, admin, "status", core.StatusInProgress)
	mustAct(t, f, n, admin, "close")
	mustAct(t, f, n, admin, "reopen")
	if r := f.ticket(t, n); r.Status != core.StatusReopened {
		t.Fatalf("status %s", r.Status)
	}
}

// "me" is the agent who asks, from the CLI as from Slack.
func TestAct_AssignMe(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	mustAct(t, f, n, agent, "assign", "me")
	if r := f.ticket(t, n); r.Assignee != agent.ID {
		t.Fatalf("assigned to %q", r.Assignee)
	}
}

// Refusals come from the table: an unknown name lists the actor's
// actions, a wrong argument count gives the row's usage.
func TestAct_Refusals(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	_, err := f.act(n, agent, "frobnicate")
	if msg := core.ErrorMessage(err); !strings.Contains(msg, "dispatch DEPARTMENT") || strings.Contains(msg, "preagree") {
		t.Errorf("unknown action refusal %q, want the agent's actions and only them", msg)
	}
	if _, err := f.act(n, agent, "close", "now"); core.ErrorMessage(err) != "usage: close" {
		t.Errorf("close now: %v", err)
	}
	if _, err := f.act(n, agent, "priority"); core.ErrorMessage(err) != "usage: priority major|normal|minor" {
		t.Errorf("priority: %v", err)
	}
	if _, err := f.act(n, agent, "reply", " "); core.ErrorMessage(err) != "usage: reply TEXT" {
		t.Errorf("empty reply: %v", err)
	}
	if _, err := f.act(n, customer, "category", "1"); core.ErrorMessage(err) != "only support staff can assess the ticket's credits category" {
		t.Errorf("category by the customer: %v", err)
	}
}
