package core_test

import (
	"fmt"
	"sync"
	"testing"

	"helpdesk/core"
)

// The store begins every transaction with BEGIN IMMEDIATE, so charges of
// one account run one after another and each sees the last one's
// balance (on PostgreSQL, every write transaction first takes one advisory
// lock). These tests race goroutines on a real database to show it:
// whatever the interleaving, nothing is charged twice and no balance
// goes below zero.

// race runs fn(i) for i in [0, n) at once and returns their errors.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

func TestCredits_ConcurrentSameTicket(t *testing.T) {
	f := mustRulesFixture(t)
	dana := core.Actor{Kind: core.ActorAgent, ID: "U0DANA", Name: "Dana"}
	eli := core.Actor{Kind: core.ActorAgent, ID: "U0ELI", Name: "Eli"}
	f.openWith(t, 200)
	const rounds = 8
	for r := range rounds {
		t.Run(fmt.Sprintf("round %d", r), func(t *testing.T) {
			// A pre-agreed ticket, categorised: both agents answer at
			// once, and each answer would charge it.
			pre := f.openWith(t, 0, "#preagree")
			mustAct(t, f, pre, agent, "category", "2")
			// A ticket both agents put in category 1 at once, which
			// charges it at once.
			one := f.openWith(t, 0)
			errs := race(4, func(i int) error {
				who := []core.Actor{dana, eli}[i%2]
				if i < 2 {
					_, err := f.act(pre, who, "reply", fmt.Sprintf("answer from %s", who.Name))
					return err
				}
				_, err := f.act(one, who, "category", "1")
				return err
			})
			for _, err := range errs {
				if err != nil {
					t.Fatalf("concurrent action: %v", err)
				}
			}
			if c := f.ticket(t, pre).Charged; c != 10 {
				t.Fatalf("pre-agreed ticket charged %d, want 10 once", c)
			}
			if got := len(f.replies(t, pre)); got != 2 {
				t.Fatalf("%d answers mailed, want both", got)
			}
			if c := f.ticket(t, one).Charged; c != 5 {
				t.Fatalf("category 1 ticket charged %d, want 5 once", c)
			}
			// The customer confirms a category 2 ticket twice at once
			// (two mails, which may share a group commit).
			two := f.openWith(t, 0)
			mustAct(t, f, two, agent, "category", "2")
			var confirms []*core.Email
			for range 2 {
				e := mail(ann, support, fmt.Sprintf("Re: [#%d] Help", two), "")
				e.Commands = []core.Command{{Name: "confirm", Line: "#confirm"}}
				confirms = append(confirms, e)
			}
			race(2, func(i int) error {
				_, err := f.svc.Receive(t.Context(), confirms[i])
				return err
			})
			if c := f.ticket(t, two).Charged; c != 10 {
				t.Fatalf("twice-confirmed ticket charged %d, want 10 once", c)
			}
		})
	}
	if got, want := f.balance(t, ann), 200-rounds*25; got != want {
		t.Fatalf("balance %d, want %d", got, want)
	}
	f.mustVerify(t)
}

func TestCredits_ConcurrentManyTickets(t *testing.T) {
	f := mustRulesFixture(t)
	const tickets = 30 // 30 × 5 credits, on an account holding 50
	var ns []int64
	for range tickets {
		ns = append(ns, f.openWith(t, 50))
	}
	// Pre-agreed tickets charged by answers, at the same time.
	var pre []int64
	for range 6 {
		n := f.openWith(t, 0, "#preagree")
		mustAct(t, f, n, agent, "category", "2")
		pre = append(pre, n)
	}
	errs := race(tickets+len(pre), func(i int) error {
		if i < tickets {
			_, err := f.act(ns[i], agent, "category", "1")
			return err
		}
		_, err := f.act(pre[i-tickets], agent, "reply", "Done.")
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent charge: %v", err)
		}
	}
	charged, held := 0, 0
	for _, n := range append(ns, pre...) {
		tk := f.ticket(t, n)
		charged += tk.Charged
		switch {
		case tk.Hold == core.HoldCredits && tk.Charged == 0:
			held++
		case tk.Hold == "" && (tk.Charged == 5 || tk.Charged == 10):
		default:
			t.Fatalf("ticket #%d charged %d, hold %q", n, tk.Charged, tk.Hold)
		}
	}
	if charged != 50 || f.balance(t, ann) != 0 {
		t.Fatalf("charged %d in all, balance %d; want all 50 credits spent and none more", charged, f.balance(t, ann))
	}
	if held == 0 {
		t.Fatal("no ticket waits for credits")
	}
	for _, e := range f.statement(t, ann).Entries {
		if e.Balance < 0 {
			t.Fatalf("entry %+v went below zero", e)
		}
	}
	f.mustVerify(t)
}
