package core_test

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// lastEntry is the latest ledger entry of the account of email.
func (f *fixture) lastEntry(t *testing.T, email string) core.LedgerEntry {
	t.Helper()
	st := f.statement(t, email)
	return st.Entries[len(st.Entries)-1]
}

// TestCharge_Custom: `charge AMOUNT REASON` follows a category's rules
// (docs/rules.md §5): the customer confirms or declines it, a pre-agreed
// ticket is charged at once, too few credits hold the answers; the entry
// is a custom_charge with the agent and the reason, and credits verify
// stays clean.
func TestCharge_Custom(t *testing.T) {
	const install = "third-party installation of the PayPal add-on"
	t.Run("Confirmed", func(t *testing.T) {
		f := mustFixture(t)
		n := f.openWith(t, 200)
		res := mustAct(t, f, n, agent, "charge", "100", "third-party", "installation", "of", "the", "PayPal", "add-on")
		if !strings.Contains(res, "asked to confirm a custom charge of 100 credits") {
			t.Fatalf("charge: %q", res)
		}
		notes := f.creditNotices(t, n)
		if len(notes) != 1 || notes[0].Reason != install || notes[0].Due != 100 || notes[0].Wait != core.HoldConfirmation {
			t.Fatalf("notices %+v", notes)
		}
		if res := mustAct(t, f, n, agent, "reply", "Installed."); !strings.Contains(res, "held") {
			t.Fatalf("reply while the charge waits: %q", res)
		}
		f.confirm(t, n, ann)
		if got := f.replies(t, n); len(got) != 1 || got[0] != "Installed." {
			t.Fatalf("replies after #confirm: %q", got)
		}
		e := f.lastEntry(t, ann)
		if e.Kind != core.CreditCustomCharge || e.Amount != -100 || e.By != agent.ID || e.Ticket != n || !strings.Contains(e.Reason, install) {
			t.Fatalf("entry %+v", e)
		}
		if f.balance(t, ann) != 100 || f.ticket(t, n).Charged != 0 {
			t.Fatalf("balance %d, ticket charged %d", f.balance(t, ann), f.ticket(t, n).Charged)
		}
		// The category is charged on its own afterwards.
		mustAct(t, f, n, agent, "category", "1")
		if f.balance(t, ann) != 95 {
			t.Fatalf("balance %d after category 1", f.balance(t, ann))
		}
		f.mustVerify(t)
	})
	t.Run("Declined", func(t *testing.T) {
		f := mustFixture(t)
		n := f.openWith(t, 200)
		mustAct(t, f, n, agent, "charge", "100", "installation")
		mustAct(t, f, n, agent, "reply", "Installed.")
		if res := f.command(t, n, ann, "#decline"); len(res) != 1 || !strings.Contains(res[0], ": done:") {
			t.Fatalf("#decline: %v", res)
		}
		if f.balance(t, ann) != 200 || f.ticket(t, n).Status != core.StatusClosed || len(f.replies(t, n)) != 0 {
			t.Fatalf("after #decline: balance %d, %s, replies %q", f.balance(t, ann), f.ticket(t, n).Status, f.replies(t, n))
		}
		f.mustVerify(t)
	})
	t.Run("Preagreed", func(t *testing.T) {
		f := mustFixture(t)
		n := f.openWith(t, 200, "#preagree")
		if res := mustAct(t, f, n, agent, "charge", "100", "installation"); !strings.Contains(res, "100 credits charged, 100 left") {
			t.Fatalf("charge: %q", res)
		}
		if len(f.creditNotices(t, n)) != 0 {
			t.Fatal("a pre-agreed charge asked the customer")
		}
		f.mustVerify(t)
	})
	t.Run("TooFewCredits", func(t *testing.T) {
		f := mustFixture(t)
		n := f.openWith(t, 25, "#preagree")
		if res := mustAct(t, f, n, agent, "charge", "100", "installation"); !strings.Contains(res, "too few credits (25, 100 needed)") {
			t.Fatalf("charge: %q", res)
		}
		mustAct(t, f, n, agent, "reply", "Installed.")
		if notes := f.creditNotices(t, n); len(notes) != 1 || notes[0].Wait != core.HoldCredits {
			t.Fatalf("notices %+v", notes)
		}
		res := f.command(t, n, ann, "#confirm")
		if len(res) != 1 || !strings.Contains(res[0], "has 25 credits and ticket #") {
			t.Fatalf("#confirm with too few credits: %v", res)
		}
		f.purchase(t, ann, 100)
		f.confirm(t, n, ann)
		if f.balance(t, ann) != 25 || len(f.replies(t, n)) != 1 {
			t.Fatalf("balance %d, replies %q", f.balance(t, ann), f.replies(t, n))
		}
		f.mustVerify(t)
	})
	t.Run("Refusals", func(t *testing.T) {
		f := mustFixture(t)
		n := f.openWith(t, 200)
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"abc", "x"}, `"abc" is not an amount`},
			{[]string{"0", "x"}, `"0" is not an amount`},
			{[]string{"100"}, "usage: charge AMOUNT REASON"},
		} {
			if _, err := f.act(n, agent, "charge", c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("charge %v: %v, want %q", c.args, err, c.want)
			}
		}
		mustAct(t, f, n, agent, "charge", "100", "installation")
		if _, err := f.act(n, agent, "charge", "50", "more"); err == nil || !strings.Contains(err.Error(), "waits for the customer") {
			t.Errorf("a second charge: %v", err)
		}
		if _, err := f.act(n, agent, "category", "2"); err == nil || !strings.Contains(err.Error(), "custom charge of ticket") {
			t.Errorf("category while a custom charge waits: %v", err)
		}
		if res := f.command(t, n, ann, "#charge 1 x"); len(res) != 1 || !strings.Contains(res[0], "only support staff can charge a custom amount") {
			t.Errorf("a customer's #charge: %v", res)
		}
		if f.balance(t, ann) != 200 {
			t.Fatalf("balance %d", f.balance(t, ann))
		}
		f.mustVerify(t)
	})
}
