package core_test

import (
	"context"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestAct_AgentDepartments pins docs/rules.md §1: an agent acts on the
// tickets of the departments [[agents]] lists for them and of those they
// head, and on no other; with neither, on all; the admin on all.
func TestAct_AgentDepartments(t *testing.T) {
	sales := core.Actor{Kind: core.ActorAgent, ID: "U0SALES", Name: "Sam", Departments: []string{"sales"}}
	both := core.Actor{Kind: core.ActorAgent, ID: "U0BOTH", Departments: []string{"sales", "support"}}
	anyDept := core.Actor{Kind: core.ActorAgent, ID: "U0ANY"}
	head := core.Actor{Kind: core.ActorAgent, ID: "U0HEAD"} // heads support in the fixture
	headSales := core.Actor{Kind: core.ActorAgent, ID: "U0HEAD", Departments: []string{"sales"}}
	for _, c := range []struct {
		name    string
		actor   core.Actor
		dept    string // the ticket's department, by the address it came to
		refused string // part of the refusal; "" when the action is done
	}{
		{"OwnDepartment", sales, "sales", ""},
		{"OtherDepartment", sales, "support", "ticket #1 belongs to the support department, and Sam works in sales only"},
		{"SeveralDepartments", both, "support", ""},
		{"NoDepartmentsMeansAll", anyDept, "projects", ""},
		{"HeadOwnDepartment", head, "support", ""},
		{"HeadOtherDepartment", head, "sales", "and agent U0HEAD works in support only"},
		{"HeadAndAgent", headSales, "support", ""},
		{"HeadAndAgentElsewhere", headSales, "projects", "works in sales, support only"},
		{"Admin", admin, "projects", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := mustRulesFixture(t)
			n := f.open(t, "ann@shop.example", c.dept+"@support.example.com")
			before := len(f.outbox(t, n)[core.OutboxEmail])
			_, err := f.act(n, c.actor, "priority", "major")
			got := f.ticket(t, n)
			if c.refused == "" {
				if err != nil || got.Priority != "major" {
					t.Fatalf("priority by %s on a %s ticket: %v (priority %s), want done", c.actor.ID, c.dept, err, got.Priority)
				}
				return
			}
			if core.ErrorCode(err) != core.EFORBIDDEN || !strings.Contains(core.ErrorMessage(err), c.refused) {
				t.Fatalf("priority by %s on a %s ticket: %v, want forbidden %q", c.actor.ID, c.dept, err, c.refused)
			}
			if got.Priority == "major" || len(f.outbox(t, n)[core.OutboxEmail]) != before {
				t.Fatalf("a refused action changed the ticket: priority %s", got.Priority)
			}
		})
	}
}

// Every way an agent acts goes through the check: the table of actions
// (reply, note, dispatch, split), tickets they open, held mail they
// decide.
func TestAct_AgentDepartmentsEveryAction(t *testing.T) {
	ctx := context.Background()
	sales := core.Actor{Kind: core.ActorAgent, ID: "U0SALES", Departments: []string{"sales"}}
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	for _, a := range core.ActionsFor(core.ActorAgent) {
		args := []string{"x"}
		if a.Choices != nil {
			args = a.Choices[:1]
		}
		if a.Min == 2 {
			args = []string{"add", "x"}
		}
		if a.Min == 0 {
			args = nil
		}
		if _, err := f.act(n, sales, a.Name, args...); core.ErrorCode(err) != core.EFORBIDDEN {
			t.Errorf("%s by a sales agent on a support ticket: %v, want forbidden", a.Name, err)
		}
	}
	if msgs, _ := f.db.Messages(ctx, n); len(msgs) != 1 {
		t.Fatalf("%d messages after refused actions, want the customer's one", len(msgs))
	}

	_, err := f.svc.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: "bob@shop.example"}, Subject: "Hello",
		Text: "We spoke on the phone.", Department: "support"}, sales)
	if core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("a sales agent opening a support ticket: %v, want forbidden", err)
	}
	if _, err := f.svc.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: "bob@shop.example"}, Subject: "Hello",
		Text: "We spoke on the phone.", Department: "sales"}, sales); err != nil {
		t.Fatalf("a sales agent opening a sales ticket: %v", err)
	}

	p := mustDeptFixture(t, 0, policyDepts()...)
	e := mail("stranger@new.example", "support@support.example.com", "Hello", "Can you help?")
	rc := p.mustReceive(t, e)
	if _, err := p.svc.AcceptHeld(ctx, rc.Held, e, sales); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("a sales agent accepting support's held mail: %v, want forbidden", err)
	}
	if err := p.svc.RejectHeld(ctx, rc.Held, sales); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("a sales agent rejecting support's held mail: %v, want forbidden", err)
	}
	if st, _ := p.db.HeldState(ctx, rc.Held); st != core.HeldWaiting {
		t.Fatalf("held mail %q after refused decisions, want waiting", st)
	}
}
