package core_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

// assignFixture is a desk whose support department assigns new tickets
// to three agents in turn, at most capOpen open tickets each.
func assignFixture(t *testing.T, capOpen int) *fixture {
	t.Helper()
	f := mustFixture(t)
	svc, err := core.NewService(f.db, core.Options{
		Domain: "support.example.com",
		Secret: secret,
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"},
				AutoAssign: true, Agents: []string{"U0ANN", "U0BOB", "U0CAT"}, MaxOpenPerAgent: capOpen},
			{Name: "sales", Addresses: []string{"sales@support.example.com"}},
		},
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

func assigneeOf(t *testing.T, db *store.DB, n int64) string {
	t.Helper()
	var who string
	err := db.Tx(context.Background(), func(tx core.Tx) error {
		tk, err := tx.Ticket(context.Background(), n)
		if err == nil {
			who = tk.Assignee
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return who
}

// TestAutoAssign_RoundRobinOneAway pins docs/rules.md §7: new tickets go
// to the department's agents in turn, passing by the one who is away
// until they are back; every assignment is said in the ticket's thread;
// a department without auto_assign assigns nothing.
func TestAutoAssign_RoundRobinOneAway(t *testing.T) {
	f := assignFixture(t, 0)
	ctx := context.Background()
	bob := core.Actor{Kind: core.ActorAgent, ID: "U0BOB"}
	if got, err := f.svc.SetAway(ctx, bob, true); err != nil || !strings.Contains(got, "You are away") {
		t.Fatalf("away: %q, %v", got, err)
	}
	var got []string
	for range 5 {
		rc := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Help", "text"))
		got = append(got, assigneeOf(t, f.db, rc.Ticket))
		var said bool
		for _, it := range f.outbox(t, rc.Ticket)[core.OutboxSlackReply] {
			var p core.SlackPost
			json.Unmarshal(it.Payload, &p)
			said = said || strings.Contains(p.Event, "assigned to "+got[len(got)-1]+" automatically")
		}
		if !said {
			t.Errorf("ticket %d: the thread is not told of the assignment", rc.Ticket)
		}
	}
	if want := "U0ANN U0CAT U0ANN U0CAT U0ANN"; strings.Join(got, " ") != want {
		t.Errorf("with Bob away, assigned %v; want %s", got, want)
	}
	if _, err := f.svc.SetAway(ctx, bob, false); err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for range 3 {
		rc := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Help", "text"))
		got = append(got, assigneeOf(t, f.db, rc.Ticket))
	}
	if want := "U0BOB U0CAT U0ANN"; strings.Join(got, " ") != want {
		t.Errorf("with Bob back, assigned %v; want %s", got, want)
	}
	rc := f.mustReceive(t, mail("ann@shop.example", "sales@support.example.com", "Quote", "text"))
	if who := assigneeOf(t, f.db, rc.Ticket); who != "" {
		t.Errorf("sales, without auto_assign, assigned its ticket to %q", who)
	}
}

// TestAutoAssign_CapAndHotRushFirst: an agent at the cap of open
// tickets takes no more; tickets wait unassigned, and when room is made
// the sweep assigns the HotRush one first, though it came last.
func TestAutoAssign_CapAndHotRushFirst(t *testing.T) {
	f := assignFixture(t, 1)
	ctx := context.Background()
	var first []int64
	for range 3 {
		first = append(first, f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Help", "text")).Ticket)
	}
	waiting := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Waits", "text")).Ticket
	urgent := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Urgent", "text")).Ticket
	if _, err := f.svc.Entitle(ctx, "ann@shop.example", time.Time{}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Act(ctx, urgent, core.Actor{Kind: core.ActorAgent, ID: "U0HEAD"}, "hotrush", "on"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{waiting, urgent} {
		if who := assigneeOf(t, f.db, n); who != "" {
			t.Fatalf("ticket %d went to %s, over the cap of 1", n, who)
		}
	}
	// Ann's ticket closes: she has room for one, and the sweep gives her
	// the HotRush ticket.
	if _, err := f.svc.Act(ctx, first[0], core.Actor{Kind: core.ActorAgent, ID: "U0ANN"}, "close"); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.AutoAssigned != 1 || assigneeOf(t, f.db, urgent) != "U0ANN" || assigneeOf(t, f.db, waiting) != "" {
		t.Errorf("sweep assigned %d: urgent to %q, waiting to %q; want the urgent one to U0ANN",
			res.AutoAssigned, assigneeOf(t, f.db, urgent), assigneeOf(t, f.db, waiting))
	}
}
