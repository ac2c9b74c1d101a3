package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

const (
	ann     = "ann@shop.example"
	support = "support@support.example.com"
	year    = 365 * day
)

// statement returns the credits of the account of email.
func (f *fixture) statement(t *testing.T, email string) *store.CreditStatement {
	t.Helper()
	st, err := f.db.CreditStatement(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) balance(t *testing.T, email string) int {
	t.Helper()
	return f.statement(t, email).Account.Credits
}

// mustVerify fails when the books do not balance.
func (f *fixture) mustVerify(t *testing.T) {
	t.Helper()
	bad, err := f.db.VerifyCredits(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Fatalf("credits verify: %+v", bad)
	}
}

func (f *fixture) grant(t *testing.T, email, license string) *core.LedgerEntry {
	t.Helper()
	e, err := f.svc.Grant(context.Background(), email, license, "admin")
	if err != nil {
		t.Fatalf("grant %s %s: %v", email, license, err)
	}
	return e
}

func (f *fixture) purchase(t *testing.T, email string, n int) {
	t.Helper()
	if _, err := f.svc.Purchase(context.Background(), email, n, "admin"); err != nil {
		t.Fatalf("purchase %d for %s: %v", n, email, err)
	}
}

// addProfile adds a profile with a role to the account of email.
func (f *fixture) addProfile(t *testing.T, of, email, role string) {
	t.Helper()
	err := f.db.Tx(context.Background(), func(tx core.Tx) error {
		p, err := tx.ProfileByEmail(context.Background(), of)
		if err != nil {
			return err
		}
		return tx.CreateProfile(context.Background(), &core.Profile{AccountID: p.AccountID, Email: email, Role: role, CreatedAt: f.now})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// account opens a ticket from email, which creates its account.
func (f *fixture) account(t *testing.T, email string) int64 {
	t.Helper()
	return f.open(t, email, support)
}

func entryKinds(st *store.CreditStatement) string {
	var ks []string
	for _, e := range st.Entries {
		ks = append(ks, fmt.Sprintf("%s%+d", e.Kind, e.Amount))
	}
	return strings.Join(ks, " ")
}

func TestCredits_GrantAndPurchase(t *testing.T) {
	f := mustRulesFixture(t)
	f.account(t, ann)
	if k := f.statement(t, ann).Account.Kind; k != core.AccountPresales {
		t.Fatalf("kind %s", k)
	}
	cases := []struct {
		name    string
		do      func() (*core.LedgerEntry, error)
		balance int
	}{
		{"cs-cart first license", func() (*core.LedgerEntry, error) {
			return f.svc.Grant(context.Background(), ann, "cs-cart-first", "admin")
		}, 50},
		{"cs-cart additional", func() (*core.LedgerEntry, error) {
			return f.svc.Grant(context.Background(), "ANN@shop.example", "cs-cart-additional", "admin")
		}, 80},
		{"storefront", func() (*core.LedgerEntry, error) {
			return f.svc.Grant(context.Background(), ann, "cs-cart-storefront", "admin")
		}, 110},
		{"multivendor", func() (*core.LedgerEntry, error) {
			return f.svc.Grant(context.Background(), ann, "multivendor", "admin")
		}, 210},
		{"package 25", func() (*core.LedgerEntry, error) { return f.svc.Purchase(context.Background(), ann, 25, "admin") }, 235},
		{"package 200", func() (*core.LedgerEntry, error) { return f.svc.Purchase(context.Background(), ann, 200, "admin") }, 435},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := c.do()
			if err != nil {
				t.Fatal(err)
			}
			if e.Balance != c.balance || f.balance(t, ann) != c.balance {
				t.Fatalf("balance=%d (entry %d), want %d", f.balance(t, ann), e.Balance, c.balance)
			}
			st := f.statement(t, ann)
			last := st.Lots[len(st.Lots)-1]
			if want := f.now.AddDate(2, 0, 0); !last.ExpiresAt.Equal(want) || last.Remaining != last.Credits {
				t.Fatalf("lot %+v, want it to expire %s", last, want)
			}
		})
	}
	if k := f.statement(t, ann).Account.Kind; k != core.AccountCustomer {
		t.Errorf("a licensed account is %s, want customer", k)
	}

	refusals := []struct {
		name string
		do   func() error
		code string
	}{
		{"unknown license", func() error { _, err := f.svc.Grant(context.Background(), ann, "wordpress", "admin"); return err }, core.EINVALID},
		{"unknown account", func() error {
			_, err := f.svc.Grant(context.Background(), "nobody@x.example", "multivendor", "admin")
			return err
		}, core.ENOTFOUND},
		{"no such package", func() error { _, err := f.svc.Purchase(context.Background(), ann, 30, "admin"); return err }, core.EINVALID},
		{"negative package", func() error { _, err := f.svc.Purchase(context.Background(), ann, -25, "admin"); return err }, core.EINVALID},
		{"absurd package", func() error { _, err := f.svc.Purchase(context.Background(), ann, 1<<40, "admin"); return err }, core.EINVALID},
		{"purchase for unknown account", func() error {
			_, err := f.svc.Purchase(context.Background(), "nobody@x.example", 25, "admin")
			return err
		}, core.ENOTFOUND},
	}
	before := f.statement(t, ann)
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if core.ErrorCode(err) != c.code || core.ErrorMessage(err) == "" {
				t.Fatalf("err=%v, want %s with a reason", err, c.code)
			}
			if after := f.statement(t, ann); after.Account.Credits != before.Account.Credits || len(after.Entries) != len(before.Entries) {
				t.Fatalf("a refusal changed the account: %d entries, balance %d", len(after.Entries), after.Account.Credits)
			}
		})
	}
	f.mustVerify(t)
}

// TestCredits_LotOrder: charges spend the lot that expires first, which
// is not always the lot added first (transferred credits keep their
// expiry).
func TestCredits_LotOrder(t *testing.T) {
	f := mustRulesFixture(t)
	const bob = "bob@other.example"
	f.account(t, bob)
	f.grant(t, bob, "cs-cart-first") // bob's lot expires t0+2y
	f.now = t0.Add(year)
	n := f.account(t, ann)
	f.purchase(t, ann, 25) // ann's own lot expires t0+3y
	if _, _, err := f.svc.Transfer(context.Background(), bob, ann, 20, "admin"); err != nil {
		t.Fatal(err)
	}
	st := f.statement(t, ann)
	if len(st.Lots) != 2 || st.Lots[1].Kind != core.CreditTransfer || !st.Lots[1].ExpiresAt.Equal(t0.AddDate(2, 0, 0)) {
		t.Fatalf("lots %+v: the transferred lot must keep its expiry", st.Lots)
	}
	// A pre-agreed category 3 ticket: 20 credits charged with the answer.
	f.force(t, n, func(tk *core.Ticket) { tk.Preagreed = true })
	mustAct(t, f, n, agent, "category", "3")
	mustAct(t, f, n, agent, "reply", "Here is the fix.")
	st = f.statement(t, ann)
	byKind := map[string]core.Lot{}
	for _, l := range st.Lots {
		byKind[l.Kind] = l
	}
	if byKind[core.CreditTransfer].Remaining != 0 || byKind[core.CreditPurchase].Remaining != 25 {
		t.Fatalf("lots after a charge of 20: %+v; the earliest-expiring (transferred) lot must go first", st.Lots)
	}
	// The next 10 come from the purchase.
	m := f.account(t, ann)
	mustAct(t, f, m, agent, "category", "1")
	mustAct(t, f, m, agent, "category", "2") // a rise waits for confirmation
	f.confirm(t, m, ann)
	if l := f.statement(t, ann).Lots; l[0].Remaining != 15 {
		t.Fatalf("lots %+v, want 15 left of the purchase", l)
	}
	f.mustVerify(t)
}

func mustAct(t *testing.T, f *fixture, n int64, a core.Actor, action string, args ...string) string {
	t.Helper()
	res, err := f.act(n, a, action, args...)
	if err != nil {
		t.Fatalf("%s %v on #%d: %v", action, args, n, err)
	}
	return res
}

// TestCredits_ExpiryEdge: a lot is spendable until two years after it
// was added, and the sweep writes off what is left at that moment.
func TestCredits_ExpiryEdge(t *testing.T) {
	expiry := t0.AddDate(2, 0, 0)
	cases := []struct {
		name    string
		at      time.Time
		expired bool
	}{
		{"a minute before", expiry.Add(-minute), false},
		{"at the moment", expiry, true},
		{"a minute after", expiry.Add(minute), true},
	}
	for _, c := range cases {
		t.Run("sweep "+c.name, func(t *testing.T) {
			f := mustRulesFixture(t)
			f.account(t, ann)
			f.grant(t, ann, "cs-cart-first")
			res := f.sweep(t, c.at)
			st := f.statement(t, ann)
			if c.expired != (res.ExpiredCredits == 50 && res.ExpiredLots == 1 && st.Account.Credits == 0) {
				t.Fatalf("sweep at %s: %+v, balance %d; want expired=%v", c.at, res, st.Account.Credits, c.expired)
			}
			if c.expired {
				e := st.Entries[len(st.Entries)-1]
				if e.Kind != core.CreditExpiry || e.Amount != -50 || e.Balance != 0 || e.By == "" || e.Reason == "" {
					t.Fatalf("expiry entry %+v", e)
				}
				if again := f.sweep(t, c.at.Add(day)); again.ExpiredLots != 0 {
					t.Fatalf("second sweep expired %d lots again", again.ExpiredLots)
				}
			}
			f.mustVerify(t)
		})
		t.Run("charge "+c.name, func(t *testing.T) {
			f := mustRulesFixture(t)
			f.account(t, ann)
			f.grant(t, ann, "cs-cart-first")
			f.now = c.at
			n := f.account(t, ann)
			res := mustAct(t, f, n, agent, "category", "1")
			tk := f.ticket(t, n)
			if c.expired {
				// Expired before the sweep ran: never spent, written off
				// on the spot, and the customer is told credits are short.
				if tk.Charged != 0 || tk.Hold != core.HoldCredits || !strings.Contains(res, "too few credits") {
					t.Fatalf("charged %d, hold %q: %s", tk.Charged, tk.Hold, res)
				}
				if k := entryKinds(f.statement(t, ann)); k != "grant+50 expiry-50" {
					t.Fatalf("entries %s", k)
				}
			} else if tk.Charged != 5 || f.balance(t, ann) != 45 {
				t.Fatalf("charged %d, balance %d: %s", tk.Charged, f.balance(t, ann), res)
			}
			f.mustVerify(t)
		})
	}
}

func TestCredits_Transfer(t *testing.T) {
	f := mustRulesFixture(t)
	const bob, carl = "bob@other.example", "carl@shop.example"
	f.account(t, ann)
	f.account(t, bob)
	f.addProfile(t, ann, carl, core.RoleAdvancedSecondary)
	f.grant(t, ann, "cs-cart-first")
	f.purchase(t, ann, 25)

	out, in, err := f.svc.Transfer(context.Background(), ann, bob, 60, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if out.Amount != -60 || out.Balance != 15 || in.Amount != 60 || in.Balance != 60 || out.Kind != core.CreditTransfer || in.Kind != core.CreditTransfer {
		t.Fatalf("entries %+v / %+v", out, in)
	}
	if k := entryKinds(f.statement(t, bob)); k != "transfer+60" {
		t.Fatalf("bob's ledger %s", k)
	}
	// The 50 of the grant and 10 of the purchase moved, each keeping its
	// expiry (both lots were added at t0).
	if lots := f.statement(t, bob).Lots; len(lots) != 1 || lots[0].Credits != 60 || !lots[0].ExpiresAt.Equal(t0.AddDate(2, 0, 0)) {
		t.Fatalf("bob's lots %+v", lots)
	}

	refusals := []struct {
		name     string
		from, to string
		n        int
		code     string
	}{
		{"non-primary profile", carl, bob, 5, core.EFORBIDDEN},
		{"more than the balance", ann, bob, 16, core.ECREDITS},
		{"zero", ann, bob, 0, core.EINVALID},
		{"negative", ann, bob, -5, core.EINVALID},
		{"absurd", ann, bob, 1 << 40, core.EINVALID},
		{"unknown from", "nobody@x.example", bob, 5, core.ENOTFOUND},
		{"unknown to", ann, "nobody@x.example", 5, core.ENOTFOUND},
		{"same account", ann, carl, 5, core.EINVALID},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := f.svc.Transfer(context.Background(), c.from, c.to, c.n, "admin")
			if core.ErrorCode(err) != c.code || core.ErrorMessage(err) == "" {
				t.Fatalf("err=%v, want %s", err, c.code)
			}
			if f.balance(t, ann) != 15 || f.balance(t, bob) != 60 {
				t.Fatalf("a refusal moved credits: ann %d, bob %d", f.balance(t, ann), f.balance(t, bob))
			}
		})
	}
	f.mustVerify(t)
}
