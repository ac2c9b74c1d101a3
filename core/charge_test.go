package core_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

// command sends a customer's reply to ticket n carrying #command lines
// and returns the results its notice reports.
func (f *fixture) command(t *testing.T, n int64, from string, lines ...string) []string {
	t.Helper()
	e := mail(from, support, fmt.Sprintf("Re: [#%d] Help", n), "")
	for _, l := range lines {
		fields := strings.Fields(strings.TrimPrefix(l, "#"))
		e.Commands = append(e.Commands, core.Command{Name: fields[0], Args: fields[1:], Line: l})
	}
	if rc := f.mustReceive(t, e); rc.Ticket != n {
		t.Fatalf("the command went to ticket %d, want %d", rc.Ticket, n)
	}
	notes := f.emails(t, n, core.TemplateCommands)
	if len(notes) == 0 {
		t.Fatal("no commands notice")
	}
	return notes[len(notes)-1].Data.Results
}

// confirm sends #confirm and fails unless it was done.
func (f *fixture) confirm(t *testing.T, n int64, from string) string {
	t.Helper()
	res := f.command(t, n, from, "#confirm")
	if len(res) != 1 || !strings.Contains(res[0], ": done:") {
		t.Fatalf("#confirm: %v", res)
	}
	return res[0]
}

// openWith opens a ticket from ann, optionally with #commands in the
// opening mail, on an account holding credits.
func (f *fixture) openWith(t *testing.T, credits int, lines ...string) int64 {
	t.Helper()
	e := mail(ann, support, "Checkout is blank", "The checkout page is white.")
	for _, l := range lines {
		fields := strings.Fields(strings.TrimPrefix(l, "#"))
		e.Commands = append(e.Commands, core.Command{Name: fields[0], Args: fields[1:], Line: l})
	}
	n := f.mustReceive(t, e).Ticket
	if credits > 0 {
		st := f.statement(t, ann)
		if missing := credits - st.Account.Credits; missing > 0 {
			if missing != 25 && missing != 50 && missing != 100 && missing != 200 {
				t.Fatalf("no package of %d", missing)
			}
			f.purchase(t, ann, missing)
		}
	}
	return n
}

// replies returns the staff answers mailed for ticket n.
func (f *fixture) replies(t *testing.T, n int64) []string {
	t.Helper()
	var out []string
	for _, en := range f.emails(t, n, core.TemplateReply) {
		out = append(out, en.Data.Text)
	}
	return out
}

func (f *fixture) creditNotices(t *testing.T, n int64) []core.CreditsNotice {
	t.Helper()
	var out []core.CreditsNotice
	for _, en := range f.emails(t, n, core.TemplateCredits) {
		out = append(out, *en.Data.Credits)
	}
	return out
}

// TestCharge_Flow walks each branch of docs/rules.md §5's flow: what is
// charged when, which answers are mailed and which wait, which notices
// the customer gets.
func TestCharge_Flow(t *testing.T) {
	type want struct {
		charged  int
		balance  int
		hold     string
		category int
		replies  int      // staff answers mailed
		notices  []string // credits notices, by what they wait for
		entries  string   // the ticket's ledger entries after the grant
		status   string   // "" for any
	}
	cases := []struct {
		name    string
		credits int
		open    []string // #commands of the opening mail
		steps   func(t *testing.T, f *fixture, n int64)
		want    want
	}{
		{"pre-agreed: charged with the answer", 50, []string{"#preagree"}, func(t *testing.T, f *fixture, n int64) {
			if res := mustAct(t, f, n, agent, "category", "2"); !strings.Contains(res, "charged with the answer") {
				t.Fatalf("category: %s", res)
			}
			if f.ticket(t, n).Charged != 0 {
				t.Fatal("charged before the answer")
			}
			mustAct(t, f, n, agent, "reply", "Clear the cache.")
		}, want{charged: 10, balance: 40, category: 2, replies: 1, entries: "charge-10"}},

		{"pre-agreed: answered first, charged when categorised", 50, []string{"#preagree"}, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "reply", "Clear the cache.")
			mustAct(t, f, n, agent, "category", "3")
		}, want{charged: 20, balance: 30, category: 3, replies: 1, entries: "charge-20"}},

		{"pre-agreed by the account's default", 50, nil, nil, want{}}, // set up below

		{"category 1: charged at once", 50, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "1")
			if f.ticket(t, n).Charged != 5 {
				t.Fatal("category 1 not charged at once")
			}
			mustAct(t, f, n, agent, "reply", "Settings › Checkout.")
		}, want{charged: 5, balance: 45, category: 1, replies: 1, entries: "charge-5"}},

		{"category 2: notice, answer held, confirm releases it", 50, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "2")
			if res := mustAct(t, f, n, agent, "reply", "Set the locale."); !strings.Contains(res, "held") {
				t.Fatalf("reply: %s", res)
			}
			if len(f.replies(t, n)) != 0 || f.ticket(t, n).Charged != 0 {
				t.Fatal("the answer went out, or was charged, before the customer confirmed")
			}
			if res := f.confirm(t, n, ann); !strings.Contains(res, "10 credits charged") {
				t.Fatalf("#confirm: %s", res)
			}
			if r := f.replies(t, n); len(r) != 1 || r[0] != "Set the locale." {
				t.Fatalf("released answers %q", r)
			}
		}, want{charged: 10, balance: 40, category: 2, replies: 1, notices: []string{"confirmation"}, entries: "charge-10"}},

		{"category 3: decline closes, nothing charged, answer dropped", 50, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "3")
			mustAct(t, f, n, agent, "reply", "Let me look at the server.")
			if res := f.command(t, n, ann, "#decline"); !strings.Contains(res[0], "done") {
				t.Fatalf("#decline: %v", res)
			}
		}, want{charged: 0, balance: 50, category: 0, replies: 0, notices: []string{"confirmation"}, status: core.StatusClosed}},

		{"too few credits: notice with packages, answer held, confirm after a purchase", 0, nil, func(t *testing.T, f *fixture, n int64) {
			if res := mustAct(t, f, n, agent, "category", "1"); !strings.Contains(res, "too few credits") {
				t.Fatalf("category: %s", res)
			}
			mustAct(t, f, n, agent, "reply", "Here is how.")
			if len(f.replies(t, n)) != 0 {
				t.Fatal("answer mailed without credits")
			}
			res := f.command(t, n, ann, "#confirm")
			if !strings.Contains(res[0], "not done") || !strings.Contains(res[0], "0 credits") || !strings.Contains(res[0], "$45") {
				t.Fatalf("#confirm without credits: %v", res)
			}
			f.purchase(t, ann, 25)
			f.confirm(t, n, ann)
		}, want{charged: 5, balance: 20, category: 1, replies: 1, notices: []string{"credits"}, entries: "charge-5"}},

		{"pre-agreed with too few credits: the answer waits", 0, []string{"#preagree"}, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "2")
			if res := mustAct(t, f, n, agent, "reply", "Done."); !strings.Contains(res, "held") {
				t.Fatalf("reply: %s", res)
			}
		}, want{charged: 0, balance: 0, category: 2, hold: core.HoldCredits, notices: []string{"credits"}}},

		{"category 2 confirmed without enough credits: refused, nothing changes", 0, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "2")
			res := f.command(t, n, ann, "#confirm")
			if !strings.Contains(res[0], "not done") || !strings.Contains(res[0], "needs 10") {
				t.Fatalf("#confirm: %v", res)
			}
		}, want{charged: 0, balance: 0, category: 2, hold: core.HoldConfirmation, notices: []string{"confirmation"}}},

		{"re-categorised down: the difference refunded", 50, []string{"#preagree"}, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "3")
			mustAct(t, f, n, agent, "reply", "Done.")
			if res := mustAct(t, f, n, agent, "category", "1"); !strings.Contains(res, "15 credits refunded") {
				t.Fatalf("category 1: %s", res)
			}
		}, want{charged: 5, balance: 45, category: 1, replies: 1, entries: "charge-20 refund+15"}},

		{"re-categorised up, pre-agreed: charged at once", 50, []string{"#preagree"}, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "1")
			mustAct(t, f, n, agent, "reply", "Done.")
			mustAct(t, f, n, agent, "category", "3")
		}, want{charged: 20, balance: 30, category: 3, replies: 1, entries: "charge-5 adjustment-15"}},

		{"re-categorised up, not pre-agreed: asks again", 50, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "1")
			mustAct(t, f, n, agent, "reply", "First answer.")
			mustAct(t, f, n, agent, "category", "2")
			mustAct(t, f, n, agent, "reply", "Second answer.")
			if len(f.replies(t, n)) != 1 {
				t.Fatal("the answer after the rise went out unconfirmed")
			}
			if ns := f.creditNotices(t, n); len(ns) != 1 || ns[0].Due != 5 || ns[0].Charged != 5 || ns[0].Cost != 10 {
				t.Fatalf("notice %+v, want 5 more of 10", ns)
			}
			f.confirm(t, n, ann)
		}, want{charged: 10, balance: 40, category: 2, replies: 2, notices: []string{"confirmation"}, entries: "charge-5 adjustment-5"}},

		{"lowered while waiting: no confirmation needed, answers released", 50, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "3")
			mustAct(t, f, n, agent, "reply", "Answer.")
			mustAct(t, f, n, agent, "category", "1")
		}, want{charged: 5, balance: 45, category: 1, replies: 1, notices: []string{"confirmation"}, entries: "charge-5"}},

		{"one charge per ticket: a second confirm is refused", 50, nil, func(t *testing.T, f *fixture, n int64) {
			mustAct(t, f, n, agent, "category", "2")
			f.confirm(t, n, ann)
			if res := f.command(t, n, ann, "#confirm"); !strings.Contains(res[0], "no charge is waiting") {
				t.Fatalf("second #confirm: %v", res)
			}
			mustAct(t, f, n, agent, "category", "2")
			mustAct(t, f, n, agent, "reply", "Done.")
		}, want{charged: 10, balance: 40, category: 2, replies: 1, notices: []string{"confirmation"}, entries: "charge-10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustRulesFixture(t)
			if c.name == "pre-agreed by the account's default" {
				f.account(t, ann)
				if _, err := f.svc.SetPreagree(t.Context(), ann, true); err != nil {
					t.Fatal(err)
				}
				c.steps = func(t *testing.T, f *fixture, n int64) {
					if !f.ticket(t, n).Preagreed {
						t.Fatal("the account's default did not pre-agree the ticket")
					}
					mustAct(t, f, n, agent, "category", "3")
					mustAct(t, f, n, agent, "reply", "Done.")
				}
				c.want = want{charged: 20, balance: 30, category: 3, replies: 1, entries: "charge-20"}
			}
			n := f.openWith(t, c.credits, c.open...)
			c.steps(t, f, n)
			tk := f.ticket(t, n)
			w := c.want
			if tk.Charged != w.charged || tk.Hold != w.hold || tk.Category != w.category {
				t.Errorf("charged=%d hold=%q category=%d, want %d %q %d", tk.Charged, tk.Hold, tk.Category, w.charged, w.hold, w.category)
			}
			if got := f.balance(t, ann); got != w.balance {
				t.Errorf("balance=%d, want %d", got, w.balance)
			}
			if got := len(f.replies(t, n)); got != w.replies {
				t.Errorf("%d answers mailed, want %d", got, w.replies)
			}
			var waits []string
			for _, cn := range f.creditNotices(t, n) {
				waits = append(waits, cn.Wait)
			}
			if strings.Join(waits, ",") != strings.Join(w.notices, ",") {
				t.Errorf("credits notices %v, want %v", waits, w.notices)
			}
			var kinds []string
			for _, e := range f.statement(t, ann).Entries {
				if e.Ticket == n {
					kinds = append(kinds, fmt.Sprintf("%s%+d", e.Kind, e.Amount))
				}
			}
			if got := strings.Join(kinds, " "); got != w.entries {
				t.Errorf("ticket entries %q, want %q", got, w.entries)
			}
			if w.status != "" && tk.Status != w.status {
				t.Errorf("status %s, want %s", tk.Status, w.status)
			}
			f.mustVerify(t)
		})
	}
}

// TestCharge_Notices checks what the customer is told.
func TestCharge_Notices(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.openWith(t, 50)
	mustAct(t, f, n, agent, "category", "2")
	ns := f.creditNotices(t, n)
	if len(ns) != 1 {
		t.Fatalf("%d notices", len(ns))
	}
	if cn := ns[0]; cn.Wait != core.HoldConfirmation || cn.Category != 2 || cn.Cost != 10 || cn.Due != 10 || cn.Balance != 50 {
		t.Fatalf("confirmation notice %+v", cn)
	}
	// An account with no credits.
	const bob = "bob@other.example"
	b := f.account(t, bob)
	mustAct(t, f, b, agent, "category", "1")
	ns = f.creditNotices(t, b)
	if len(ns) != 1 || ns[0].Wait != core.HoldCredits || ns[0].Balance != 0 || ns[0].Cost != 5 || len(ns[0].Packages) != 4 ||
		ns[0].Packages[1].Credits != 50 || ns[0].Packages[1].Price != "$85" {
		t.Fatalf("too-few-credits notice %+v", ns)
	}
	// A second answer while waiting sends no second notice.
	mustAct(t, f, b, agent, "reply", "one")
	mustAct(t, f, b, agent, "reply", "two")
	if got := len(f.creditNotices(t, b)); got != 1 {
		t.Fatalf("%d notices after two held answers", got)
	}
	// The Slack card shows category, cost, charge and balance.
	var card core.SlackPost
	rows := f.outbox(t, n)[core.OutboxSlackUpdate]
	if err := json.Unmarshal(rows[len(rows)-1].Payload, &card); err != nil {
		t.Fatal(err)
	}
	if card.Category != 2 || card.Cost != 10 || card.Balance != 50 || card.CreditHold != core.HoldConfirmation {
		t.Fatalf("card %+v", card)
	}
}

// TestCharge_Refusals: bad input is refused with a reason and changes
// nothing.
func TestCharge_Refusals(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.openWith(t, 50)
	cases := []struct {
		name   string
		who    core.Actor
		action string
		args   []string
		code   string
	}{
		{"confirm with nothing waiting", customer, "confirm", nil, core.ECONFLICT},
		{"decline with nothing waiting", customer, "decline", nil, core.ECONFLICT},
		{"category 4", agent, "category", []string{"4"}, core.EINVALID},
		{"category -1", agent, "category", []string{"-1"}, core.EINVALID},
		{"category x", agent, "category", []string{"x"}, core.EINVALID},
		{"category by the customer", customer, "category", []string{"1"}, core.EFORBIDDEN},
		{"confirm by an agent", agent, "confirm", nil, core.EFORBIDDEN},
		{"preagree by an agent", agent, "preagree", nil, core.EFORBIDDEN},
		{"split by the customer", customer, "split", []string{"1"}, core.EFORBIDDEN},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.ticket(t, n)
			_, err := f.act(n, c.who, c.action, c.args...)
			if core.ErrorCode(err) != c.code || core.ErrorMessage(err) == "" {
				t.Fatalf("err=%v, want %s", err, c.code)
			}
			after := f.ticket(t, n)
			if after.Category != before.Category || after.Charged != before.Charged || after.Hold != before.Hold ||
				after.Preagreed != before.Preagreed || f.balance(t, ann) != 50 {
				t.Fatalf("a refusal changed the ticket: %+v", after.Ticket)
			}
		})
	}
	t.Run("preagree after assessment", func(t *testing.T) {
		mustAct(t, f, n, agent, "category", "2")
		res := f.command(t, n, ann, "#preagree")
		if !strings.Contains(res[0], "not done") || !strings.Contains(res[0], "#confirm") {
			t.Fatalf("#preagree: %v", res)
		}
		if f.ticket(t, n).Preagreed {
			t.Fatal("pre-agreed after assessment")
		}
	})
	f.mustVerify(t)
}
