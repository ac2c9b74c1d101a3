package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/core/calendar"
	"helpdesk/internal/storetest"
	"helpdesk/store"
)

const (
	minute = time.Minute
	day    = 24 * time.Hour
)

var (
	agent    = core.Actor{Kind: core.ActorAgent, ID: "U0AGENT", Name: "Dana"}
	customer = core.Actor{Kind: core.ActorCustomer, ID: "ann@shop.example"}
)

// mustRulesFixture is a service on a real database with the business
// calendar of docs/rules.md §4 and heads for the support department.
func mustRulesFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.Open(t)
	f := &fixture{db: db, now: t0}
	var err error
	f.svc, err = core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: secret,
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}, Heads: []string{"U0HEAD"}},
			{Name: "sales", Addresses: []string{"sales@support.example.com"}},
			{Name: "projects", Addresses: []string{"projects@support.example.com"}},
		},
		Calendar: calendar.MustNew(calendar.Default()),
		Now:      func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// open opens a ticket from addr to the department address to.
func (f *fixture) open(t *testing.T, from, to string) int64 {
	t.Helper()
	rc := f.mustReceive(t, mail(from, to, "Help "+from, "please"))
	if rc.Outcome != core.OutcomeNew {
		t.Fatalf("outcome %s, want new", rc.Outcome)
	}
	return rc.Ticket
}

func (f *fixture) ticket(t *testing.T, n int64) *core.TicketSummary {
	t.Helper()
	r, err := f.db.TicketRow(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// force puts a ticket into a state directly, for a test's starting point.
func (f *fixture) force(t *testing.T, n int64, edit func(*core.Ticket)) {
	t.Helper()
	err := f.db.Tx(context.Background(), func(tx core.Tx) error {
		tk, err := tx.Ticket(context.Background(), n)
		if err != nil {
			return err
		}
		edit(tk)
		return tx.UpdateTicket(context.Background(), tk)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) act(n int64, a core.Actor, action string, args ...string) (string, error) {
	return f.svc.Act(context.Background(), n, a, action, args...)
}

func (f *fixture) sweep(t *testing.T, at time.Time) *core.SweepResult {
	t.Helper()
	f.now = at
	res, err := f.svc.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTransitions checks every (from, to, actor) against the table of
// docs/rules.md §2, written out here a second time as the specification.
func TestTransitions(t *testing.T) {
	statuses := []string{core.StatusSubmitted, core.StatusAssigned, core.StatusInProgress,
		core.StatusPreClosed, core.StatusClosed, core.StatusReopened}
	active := []string{core.StatusSubmitted, core.StatusAssigned, core.StatusInProgress, core.StatusReopened}
	open := []string{core.StatusSubmitted, core.StatusAssigned, core.StatusInProgress, core.StatusPreClosed, core.StatusReopened}
	type key struct{ from, to, actor string }
	spec := map[key]bool{}
	spec[key{"submitted", "assigned", "agent"}] = true
	for _, from := range []string{"assigned", "reopened"} {
		spec[key{from, "in_progress", "agent"}] = true
	}
	for _, from := range active {
		spec[key{from, "pre_closed", "agent"}] = true
	}
	spec[key{"pre_closed", "in_progress", "agent"}] = true
	spec[key{"pre_closed", "in_progress", "customer"}] = true
	for _, from := range open {
		spec[key{from, "closed", "agent"}] = true
		spec[key{from, "closed", "customer"}] = true
	}
	spec[key{"closed", "reopened", "agent"}] = true
	spec[key{"closed", "reopened", "customer"}] = true

	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	for _, from := range statuses {
		for _, to := range statuses {
			if from == to {
				continue
			}
			for _, who := range []core.Actor{agent, customer} {
				t.Run(fmt.Sprintf("%s→%s by %s", from, to, who.Kind), func(t *testing.T) {
					f.force(t, n, func(tk *core.Ticket) {
						tk.Status, tk.ClosedAt, tk.RatingScore = from, f.now, 0
					})
					var err error
					switch {
					case who.Kind == core.ActorAgent:
						_, err = f.act(n, who, "status", to)
					case to == core.StatusClosed:
						_, err = f.act(n, who, "close")
					case to == core.StatusReopened:
						_, err = f.act(n, who, "reopen")
					default:
						// Customers have no "status" command: the only
						// other change they make is by writing, tested
						// in TestCustomerMessage_PreClosed.
						err = core.Errorf(core.EFORBIDDEN, "no command")
						if spec[key{from, to, who.Kind}] && from != core.StatusPreClosed {
							t.Fatalf("spec allows a customer change with no command")
						}
						return
					}
					want := spec[key{from, to, who.Kind}]
					if got := err == nil; got != want {
						t.Fatalf("allowed=%v (%v), want %v", got, err, want)
					}
					if err != nil && core.ErrorMessage(err) == "" {
						t.Fatalf("refusal without a reason: %v", err)
					}
					if st := f.ticket(t, n).Status; (err == nil && st != to) || (err != nil && st != from) {
						t.Fatalf("status %s after %v", st, err)
					}
				})
			}
		}
	}
}

func TestSweep_PreCloseAndClose(t *testing.T) {
	type setup func(f *fixture, n int64)
	solved := func(f *fixture, n int64) {
		if _, err := f.act(n, agent, "solved"); err != nil {
			panic(err)
		}
	}
	cases := []struct {
		name  string
		to    string // department address
		setup setup
		idle  time.Duration // pre-closed after this much idle time; 0: never
	}{
		{"support not solved", "support@support.example.com", nil, 0},
		{"support solved", "support@support.example.com", solved, 5 * day},
		{"sales presales account", "sales@support.example.com", nil, 14 * day},
		{"sales customer account", "sales@support.example.com", func(f *fixture, n int64) {
			f.db.Tx(context.Background(), func(tx core.Tx) error {
				tk, _ := tx.Ticket(context.Background(), n)
				acc, _ := tx.Account(context.Background(), tk.AccountID)
				acc.Kind = core.AccountCustomer
				return tx.UpdateAccount(context.Background(), acc)
			})
		}, 30 * day},
		{"project without tasks", "projects@support.example.com", nil, 30 * day},
		{"project with an unfinished task", "projects@support.example.com", func(f *fixture, n int64) {
			f.act(n, agent, "task", "add", "Build it")
		}, 0},
		{"project with finished tasks", "projects@support.example.com", func(f *fixture, n int64) {
			f.act(n, agent, "task", "add", "Build it")
			f.act(n, agent, "task", "1", "closed")
		}, 30 * day},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustRulesFixture(t)
			n := f.open(t, fmt.Sprintf("c%d@shop.example", i), c.to)
			if c.setup != nil {
				c.setup(f, n)
			}
			start := f.ticket(t, n).LastPublicAt
			if c.idle == 0 {
				f.sweep(t, start.Add(400*day))
				if st := f.ticket(t, n).Status; st == core.StatusPreClosed {
					t.Fatalf("pre-closed after 400 idle days")
				}
				return
			}
			f.sweep(t, start.Add(c.idle-minute))
			if st := f.ticket(t, n).Status; st == core.StatusPreClosed {
				t.Fatalf("pre-closed a minute early")
			}
			if res := f.sweep(t, start.Add(c.idle+minute)); res.PreClosed != 1 {
				t.Fatalf("sweep %+v, want one pre-close", res)
			}
			tk := f.ticket(t, n)
			if tk.Status != core.StatusPreClosed {
				t.Fatalf("status %s a minute after %s idle", tk.Status, c.idle)
			}
			// docs/rules.md §2: closed after 3 days in pre_closed.
			f.sweep(t, tk.StatusAt.Add(3*day-minute))
			if st := f.ticket(t, n).Status; st != core.StatusPreClosed {
				t.Fatalf("status %s a minute before 3 days in pre-close", st)
			}
			f.sweep(t, tk.StatusAt.Add(3*day+minute))
			if st := f.ticket(t, n).Status; st != core.StatusClosed {
				t.Fatalf("status %s after 3 days in pre-close", st)
			}
		})
	}
}

func TestCustomerMessage_PreClosed(t *testing.T) {
	f := mustRulesFixture(t)
	first := mail("ann@shop.example", "support@support.example.com", "Blank page", "help")
	n := f.mustReceive(t, first).Ticket
	f.act(n, agent, "solved")
	start := f.ticket(t, n).LastPublicAt
	f.sweep(t, start.Add(5*day+minute))
	if st := f.ticket(t, n).Status; st != core.StatusPreClosed {
		t.Fatalf("status %s, want pre_closed", st)
	}
	f.now = f.now.Add(day)
	reply := mail("ann@shop.example", "support@support.example.com", "Re: [#"+itoa(n)+"] Blank page", "still broken")
	if rc := f.mustReceive(t, reply); rc.Ticket != n {
		t.Fatalf("reply went to ticket %d", rc.Ticket)
	}
	tk := f.ticket(t, n)
	if tk.Status != core.StatusInProgress || tk.Solved {
		t.Fatalf("after the customer's message: status %s solved %v; want in_progress, not solved", tk.Status, tk.Solved)
	}
	// And the 3-day close no longer happens.
	f.sweep(t, f.now.Add(4*day))
	if st := f.ticket(t, n).Status; st != core.StatusInProgress {
		t.Fatalf("status %s, want in_progress", st)
	}
}

func TestReplyToClosed(t *testing.T) {
	cases := []struct {
		name    string
		after   time.Duration
		rated   bool
		reopens bool
	}{
		{"a minute before 14 days", 14*day - minute, false, true},
		{"a minute after 14 days", 14*day + minute, false, false},
		{"rated", day, true, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustRulesFixture(t)
			from := fmt.Sprintf("r%d@shop.example", i)
			n := f.open(t, from, "support@support.example.com")
			if _, err := f.act(n, agent, "close"); err != nil {
				t.Fatal(err)
			}
			if c.rated {
				rate := mail(from, "support@support.example.com", "[#"+itoa(n)+"]", "")
				rate.Commands = []core.Command{{Name: "rate", Args: []string{"5", ""}, Line: "#rate 5"}}
				f.mustReceive(t, rate)
				if got := f.ticket(t, n).RatingScore; got != 5 {
					t.Fatalf("rating %d, want 5", got)
				}
			}
			closedAt := f.ticket(t, n).ClosedAt
			f.now = closedAt.Add(c.after)
			rc := f.mustReceive(t, mail(from, "support@support.example.com", "Re: [#"+itoa(n)+"] Help", "it broke again"))
			if c.reopens {
				if rc.Ticket != n || f.ticket(t, n).Status != core.StatusReopened {
					t.Fatalf("receipt %+v, status %s; want ticket %d reopened", rc, f.ticket(t, n).Status, n)
				}
				return
			}
			if rc.Outcome != core.OutcomeNew || rc.Ticket == n {
				t.Fatalf("receipt %+v, want a new ticket", rc)
			}
			if got := f.ticket(t, rc.Ticket).Predecessor; got != n {
				t.Fatalf("predecessor %d, want %d", got, n)
			}
			if st := f.ticket(t, n).Status; st != core.StatusClosed {
				t.Fatalf("old ticket %s, want closed", st)
			}
			// The customer is told which ticket it is now.
			ack := f.emails(t, rc.Ticket, core.TemplateAck)
			if len(ack) != 1 || ack[0].Data.Predecessor != n {
				t.Fatalf("acknowledgment %+v, want predecessor %d", ack, n)
			}
		})
	}
}

// emails returns the pending mail notices of a ticket with a template.
func (f *fixture) emails(t *testing.T, n int64, template string) []core.EmailNotice {
	t.Helper()
	var out []core.EmailNotice
	for _, it := range f.outbox(t, n)[core.OutboxEmail] {
		var en core.EmailNotice
		if err := json.Unmarshal(it.Payload, &en); err != nil {
			t.Fatal(err)
		}
		if en.Template == template {
			out = append(out, en)
		}
	}
	return out
}

func (f *fixture) notices(t *testing.T, n int64) []core.SlackNotice {
	t.Helper()
	var out []core.SlackNotice
	for _, it := range f.outbox(t, n)[core.OutboxSlackNotice] {
		var sn core.SlackNotice
		if err := json.Unmarshal(it.Payload, &sn); err != nil {
			t.Fatal(err)
		}
		out = append(out, sn)
	}
	return out
}

func TestHotRush(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	if _, err := f.act(n, customer, "hotrush", "on"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("HotRush without entitlement: %v, want forbidden", err)
	}
	if _, err := f.svc.Entitle(context.Background(), "ann@shop.example", time.Time{}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.act(n, customer, "hotrush", "on"); err != nil {
		t.Fatalf("HotRush with an incident package: %v", err)
	}
	tk := f.ticket(t, n)
	if !tk.HotRush || !tk.HotRushPaid {
		t.Fatalf("ticket %+v, want HotRush paid", tk.Ticket)
	}
	// The SLA target becomes 2 business hours from the clock's start.
	if got := calendar.MustNew(calendar.Default()).Between(tk.SLAStart, tk.SLADue); got != 2*time.Hour {
		t.Fatalf("HotRush due after %s of business time, want 2h", got)
	}
	// Off and on again while submitted: free, and the package is not
	// consumed twice.
	for i := 0; i < 5; i++ {
		if _, err := f.act(n, customer, "hotrush", "off"); err != nil {
			t.Fatalf("off #%d while submitted: %v", i+1, err)
		}
		if _, err := f.act(n, customer, "hotrush", "on"); err != nil {
			t.Fatalf("on #%d: %v", i+1, err)
		}
	}
	// Outside submitted: 3 per account, the 4th refused.
	if _, err := f.act(n, agent, "assign", "U0AGENT"); err != nil {
		t.Fatal(err)
	}
	n2 := f.open(t, "ann@shop.example", "support@support.example.com")
	if _, err := f.svc.Entitle(context.Background(), "ann@shop.example", f.now.Add(365*day), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.act(n2, agent, "assign", "U0AGENT"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.act(n2, customer, "hotrush", "on"); err != nil {
		t.Fatalf("HotRush with a subscription: %v", err)
	}
	for i, tk := range []int64{n, n2, n} {
		if _, err := f.act(tk, customer, "hotrush", "off"); err != nil {
			t.Fatalf("disable #%d: %v", i+1, err)
		}
		if _, err := f.act(tk, customer, "hotrush", "on"); err != nil {
			t.Fatalf("enable #%d: %v", i+1, err)
		}
	}
	if _, err := f.act(n2, customer, "hotrush", "off"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("4th disable outside submitted: %v, want forbidden", err)
	}
	// Never once closed; never on a sales ticket.
	f.act(n, agent, "close")
	if _, err := f.act(n, customer, "hotrush", "off"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("HotRush change on a closed ticket: %v", err)
	}
	s := f.open(t, "ann@shop.example", "sales@support.example.com")
	if _, err := f.act(s, customer, "hotrush", "on"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("HotRush on a sales ticket: %v", err)
	}
}

func TestPriority(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	if _, err := f.act(n, customer, "priority", "urgent"); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("priority urgent: %v", err)
	}
	if _, err := f.act(n, customer, "priority", "major"); err != nil {
		t.Fatal(err)
	}
	if p := f.ticket(t, n).Priority; p != "major" {
		t.Fatalf("priority %s", p)
	}
	f.act(n, agent, "close")
	if _, err := f.act(n, customer, "priority", "minor"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("priority on a closed ticket: %v", err)
	}
}

func TestPriorityFactor(t *testing.T) {
	cases := []struct {
		name     string
		levels   []int
		wantLow  float64
		wantHigh float64
	}{
		{"no history is neutral", nil, 1, 1},
		{"one normal ticket", []int{2}, 1, 1},
		{"always major, 50 tickets", repeat(3, 50), 0.66, 0.7},
		{"mostly minor", append(repeat(1, 20), 3), 1.6, 1.8},
		{"all minor approaches 2", repeat(1, 1000), 1.99, 2},
	}
	for _, c := range cases {
		sum := 0
		for _, l := range c.levels {
			sum += l
		}
		got := core.PriorityFactor(sum, len(c.levels), 3)
		if got < c.wantLow || got > c.wantHigh {
			t.Errorf("%s: factor %.3f, want in [%.2f, %.2f]", c.name, got, c.wantLow, c.wantHigh)
		}
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// TestQueueOrder checks the examples of docs/rules.md §3 on a real queue: an
// account that marks everything Major ranks like Normal; a mostly-Minor
// account's rare Major ranks first; HotRush goes before everything.
func TestQueueOrder(t *testing.T) {
	f := mustRulesFixture(t)
	ctx := context.Background()
	var loud, quiet int64
	for i := 0; i < 12; i++ {
		loud = f.open(t, "loud@a.example", "support@support.example.com")
		f.act(loud, customer, "priority", "major")
		f.now = f.now.Add(minute)
	}
	for i := 0; i < 12; i++ {
		quiet = f.open(t, "quiet@b.example", "support@support.example.com")
		f.act(quiet, customer, "priority", "minor")
		f.now = f.now.Add(minute)
	}
	f.act(quiet, customer, "priority", "major")
	normal := f.open(t, "plain@c.example", "support@support.example.com")

	q, err := f.db.Queue(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	pos := func(n int64) int {
		return slices.IndexFunc(q, func(r core.TicketSummary) bool { return r.Number == n })
	}
	if pos(quiet) != 0 {
		t.Fatalf("the mostly-minor account's major ticket is at %d, want first", pos(quiet))
	}
	loudRank, normalRank := q[pos(loud)].Rank, q[pos(normal)].Rank
	if loudRank < 1.8 || loudRank > 2.3 || normalRank != 2 {
		t.Fatalf("all-major account ranks %.2f, a neutral normal %.2f; want both about 2", loudRank, normalRank)
	}
	// HotRush first of all.
	f.svc.Entitle(ctx, "plain@c.example", f.now.Add(day), 0)
	if _, err := f.act(normal, customer, "hotrush", "on"); err != nil {
		t.Fatal(err)
	}
	q, _ = f.db.Queue(ctx, 100)
	if q[0].Number != normal {
		t.Fatalf("queue head %d, want the HotRush ticket %d", q[0].Number, normal)
	}
	// A staff reply takes a ticket out of the queue.
	f.act(normal, agent, "reply", "Looking into it.")
	q, _ = f.db.Queue(ctx, 100)
	if pos(normal) >= 0 && slices.ContainsFunc(q, func(r core.TicketSummary) bool { return r.Number == normal }) {
		t.Fatalf("answered ticket still in the queue")
	}
}

func TestSLA(t *testing.T) {
	f := mustRulesFixture(t)
	// Monday 2026-11-23 09:00 UTC is 13:00 in GMT+4: 11 business hours
	// are left that day (until 24:00), so 16 h end Tuesday 13:00 (09:00 UTC).
	f.now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	tk := f.ticket(t, n)
	wantDue := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	if !tk.SLADue.Equal(wantDue) || tk.SLAState != core.SLAOK {
		t.Fatalf("due %s state %s, want %s ok", tk.SLADue, tk.SLAState, wantDue)
	}
	// 80% of 16 h is 12.8 h: 11 h on Monday and 1 h 48 min from Tuesday 08:00.
	wantRisk := time.Date(2026, 11, 24, 5, 48, 0, 0, time.UTC)
	if !tk.SLARiskAt.Equal(wantRisk) {
		t.Fatalf("at risk from %s, want %s", tk.SLARiskAt, wantRisk)
	}
	f.sweep(t, wantRisk.Add(-minute))
	if st := f.ticket(t, n).SLAState; st != core.SLAOK {
		t.Fatalf("state %s a minute before at-risk", st)
	}
	f.sweep(t, wantRisk.Add(minute))
	f.sweep(t, wantRisk.Add(2*minute)) // posted once, not per sweep
	if st := f.ticket(t, n).SLAState; st != core.SLAAtRisk {
		t.Fatalf("state %s after 80%%", st)
	}
	f.sweep(t, wantDue.Add(minute))
	f.sweep(t, wantDue.Add(time.Hour))
	if st := f.ticket(t, n).SLAState; st != core.SLABreached {
		t.Fatalf("state %s after the due time", st)
	}
	if got := len(f.notices(t, n)); got != 2 {
		t.Fatalf("%d Slack notices, want one at-risk and one breached", got)
	}
	// A staff reply stops the clock; a customer's message starts a new one.
	f.now = wantDue.Add(2 * time.Hour)
	f.act(n, agent, "reply", "Here is the fix.")
	if tk := f.ticket(t, n); tk.AwaitingReply {
		t.Fatalf("still awaiting a reply after the staff answer")
	}
	f.now = f.now.Add(time.Hour)
	f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Re: [#"+itoa(n)+"] x", "thanks, one more question"))
	tk = f.ticket(t, n)
	if !tk.AwaitingReply || tk.SLAState != core.SLAOK || !tk.SLAStart.Equal(f.now) {
		t.Fatalf("after a new customer message: awaiting %v state %s start %s; want a new clock", tk.AwaitingReply, tk.SLAState, tk.SLAStart)
	}
	// A reply in time is met.
	f.now = f.now.Add(time.Hour)
	f.act(n, agent, "reply", "Answer.")
	if st := f.ticket(t, n).SLAState; st != core.SLAMet {
		t.Fatalf("state %s after a reply in time, want met", st)
	}
}

func TestRating(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	rate := func(args ...string) error { _, err := f.act(n, customer, "rate", args...); return err }
	if err := rate("5"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("rating an open ticket: %v", err)
	}
	f.act(n, agent, "close")
	for _, bad := range []string{"0", "6", "five"} {
		if err := rate(bad); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("rate %s: %v", bad, err)
		}
	}
	if _, err := f.act(n, agent, "rate", "5"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("an agent rating: %v", err)
	}
	if err := rate("2", "slow answers"); err != nil {
		t.Fatal(err)
	}
	if err := rate("5"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("rating twice: %v", err)
	}
	tk := f.ticket(t, n)
	if tk.RatingScore != 2 || tk.RatingComment != "slow answers" {
		t.Fatalf("rating %d %q", tk.RatingScore, tk.RatingComment)
	}
	ns := f.notices(t, n)
	if len(ns) != 1 || !slices.Equal(ns[0].Mention, []string{"U0HEAD"}) || !strings.Contains(ns[0].Text, "slow answers") {
		t.Fatalf("notices %+v, want one to the heads with the comment", ns)
	}
}

func TestTasks(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "projects@support.example.com")
	cases := []struct {
		who    core.Actor
		args   []string
		wantOK bool
	}{
		{customer, []string{"add", "Theme"}, false},
		{agent, []string{"add", "Theme"}, true},
		{agent, []string{"1", "working"}, true},
		{agent, []string{"1", "approved"}, false},     // the customer's
		{customer, []string{"1", "completed"}, false}, // the agent's
		{customer, []string{"1", "ready_to_upload"}, true},
		{customer, []string{"1", "approved"}, true},
		{agent, []string{"2", "working"}, false},  // no such task
		{agent, []string{"1", "finished"}, false}, // no such status
	}
	for _, c := range cases {
		_, err := f.act(n, c.who, "task", c.args...)
		if (err == nil) != c.wantOK {
			t.Errorf("%s task %v: %v, want ok=%v", c.who.Kind, c.args, err, c.wantOK)
		}
	}
	s := f.open(t, "ann@shop.example", "support@support.example.com")
	if _, err := f.act(s, agent, "task", "add", "x"); err == nil {
		t.Errorf("task on a support ticket accepted")
	}
}

// TestCommands drives the rules by email command through Receive.
func TestCommands(t *testing.T) {
	f := mustRulesFixture(t)
	first := mail("ann@shop.example", "support@support.example.com", "Blank page", "help")
	first.Commands = []core.Command{{Name: "priority", Args: []string{"major"}, Line: "#priority major"}}
	n := f.mustReceive(t, first).Ticket
	if p := f.ticket(t, n).Priority; p != "major" {
		t.Fatalf("priority %s after #priority major on the first mail", p)
	}
	reply := mail("ann@shop.example", "support@support.example.com", "Re: [#"+itoa(n)+"] Blank page", "")
	reply.Commands = []core.Command{
		{Name: "rate", Args: []string{"5", ""}, Line: "#rate 5"},
		{Name: "frobnicate", Line: "#frobnicate", Err: "unknown command; the commands are #close, …"},
		{Name: "close", Line: "#close"},
	}
	f.mustReceive(t, reply)
	if st := f.ticket(t, n).Status; st != core.StatusClosed {
		t.Fatalf("status %s after #close", st)
	}
	notes := f.emails(t, n, core.TemplateCommands)
	if len(notes) != 2 {
		t.Fatalf("%d command notices, want 2", len(notes))
	}
	res := notes[1].Data.Results
	if len(res) != 3 || !strings.Contains(res[0], "not done") || !strings.Contains(res[1], "unknown command") ||
		!strings.Contains(res[2], "done") {
		t.Fatalf("results %q", res)
	}
	// The customer's own #close is confirmed by the commands notice, not
	// by a second status mail.
	if got := len(f.emails(t, n, core.TemplateStatus)); got != 0 {
		t.Fatalf("%d status mails for the customer's own change, want 0", got)
	}
}

func TestSweepCLIClock_Idempotent(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	f.act(n, agent, "solved")
	at := f.ticket(t, n).LastPublicAt.Add(6 * day)
	first := f.sweep(t, at)
	again := f.sweep(t, at)
	if first.PreClosed != 1 || again.PreClosed != 0 {
		t.Fatalf("sweeps %+v then %+v; the second must change nothing", first, again)
	}
	if got := len(f.emails(t, n, core.TemplateStatus)); got != 1 {
		t.Fatalf("%d status mails, want 1", got)
	}
}

func storeFilter() store.TicketFilter { return store.TicketFilter{} }
