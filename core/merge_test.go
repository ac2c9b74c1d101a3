package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestAccounts_Merge pins docs/rules.md §1: a presales account merged
// into a customer keeps its profiles, tickets, credits (lots with their
// expiry) and ledger history; the merged account stays as a tombstone;
// a charge of a moved ticket is refunded to the account it moved to;
// and the books balance throughout.
func TestAccounts_Merge(t *testing.T) {
	ctx := context.Background()
	f := mustRulesFixture(t)
	const bob = "bob@corp.example"
	n := f.openWith(t, 50, "#preagree") // ann's presales account, 50 credits at t0
	mustAct(t, f, n, agent, "priority", "major")
	mustAct(t, f, n, agent, "category", "3")
	mustAct(t, f, n, agent, "reply", "Done.") // charged 20: 30 left
	from := f.ticket(t, n).AccountID
	f.now = t0.Add(30 * day)
	m := f.account(t, bob)
	f.grant(t, bob, "cs-cart-first") // a customer with 50 credits
	to := f.ticket(t, m).AccountID

	mg, err := f.svc.MergeAccount(ctx, ann, fmt.Sprint(to), "admin", false)
	if err != nil {
		t.Fatal(err)
	}
	if mg.From != from || mg.To != to || mg.Credits != 30 || mg.Profiles != 1 || mg.Tickets != 1 || mg.ID == 0 {
		t.Fatalf("merge %+v", mg)
	}
	tk := f.ticket(t, n)
	if tk.AccountID != to || tk.Account.Kind != core.AccountCustomer {
		t.Fatalf("ticket #%d is on account %d (%s), want %d", n, tk.AccountID, tk.Account.Kind, to)
	}
	// The factor of the merged-into account counts the moved Major ticket.
	var acc *core.Account
	if err := f.db.Tx(ctx, func(tx core.Tx) (err error) { acc, err = tx.Account(ctx, to); return err }); err != nil {
		t.Fatal(err)
	}
	if want := core.PriorityFactor(3+2, 2, 3); acc.PriorityFactor != want || f.ticket(t, m).Rank != 2*want {
		t.Fatalf("factor %v, rank of #%d %v; want %v", acc.PriorityFactor, m, f.ticket(t, m).Rank, want)
	}
	accs, err := f.db.Accounts(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a := accs[0]; a.ID != from || a.MergedInto != to || a.Credits != 0 || a.Tickets != 0 || len(a.Profiles) != 0 {
		t.Fatalf("the merged account %+v", a)
	}
	if b := accs[1]; len(b.Profiles) != 2 || b.Profiles[0].Email != ann || b.Profiles[0].Role != core.RoleSecondary ||
		b.Profiles[1].Role != core.RolePrimary || b.Credits != 80 {
		t.Fatalf("the account merged into %+v", b)
	}
	// ann's credits moved as a lot that keeps the expiry of her purchase.
	st := f.statement(t, ann)
	want := fmt.Sprintf("grant 50/50 until %s, transfer 30/30 until %s",
		t0.Add(30*day).AddDate(2, 0, 0).Format("2006-01-02"), t0.AddDate(2, 0, 0).Format("2006-01-02"))
	if got := lotsOf(st.Lots); got != want {
		t.Fatalf("lots %s", got)
	}
	if k := entryKinds(st); k != "grant+50 transfer+30" {
		t.Fatalf("ledger of the account merged into: %s", k)
	}
	if k := entryKinds(f.statement(t, fmt.Sprint(from))); k != "purchase+50 charge-20 transfer-30" {
		t.Fatalf("ledger of the merged account: %s", k)
	}
	f.mustVerify(t)

	// Re-categorised after the merge: the refund goes to the account the
	// ticket is on now.
	if res := mustAct(t, f, n, agent, "category", "1"); !strings.Contains(res, "15 credits refunded") {
		t.Fatalf("category 1: %s", res)
	}
	if b := f.balance(t, bob); b != 95 {
		t.Fatalf("balance after the refund %d, want 95", b)
	}
	f.mustVerify(t)
}

func lotsOf(lots []core.Lot) string {
	var out []string
	for _, l := range lots {
		if l.Remaining > 0 {
			out = append(out, fmt.Sprintf("%s %d/%d until %s", l.Kind, l.Remaining, l.Credits, l.ExpiresAt.Format("2006-01-02")))
		}
	}
	return strings.Join(out, ", ")
}

// TestAccounts_MergeRefusals pins docs/rules.md §1: an account is not
// merged into itself or into a merged account, a merged account not
// again, and a customer into a presales account only with force.
func TestAccounts_MergeRefusals(t *testing.T) {
	ctx := context.Background()
	f := mustRulesFixture(t)
	const bob, carl, dan = "bob@corp.example", "carl@corp.example", "dan@lead.example"
	f.account(t, ann)
	f.account(t, bob)
	f.grant(t, bob, "cs-cart-first")
	f.addProfile(t, bob, carl, core.RoleSecondary)
	f.account(t, dan)
	if _, err := f.svc.MergeAccount(ctx, ann, bob, "admin", false); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to string
		code           string
	}{
		{"into itself", bob, carl, core.EINVALID},
		{"into itself by id", "2", "#2", core.EINVALID},
		{"a merged account again", "1", dan, core.ECONFLICT},
		{"into a merged account", dan, "1", core.ECONFLICT},
		{"a customer into presales", bob, dan, core.EINVALID},
		{"unknown account", "99", bob, core.ENOTFOUND},
		{"unknown address", "nobody@x.example", bob, core.ENOTFOUND},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.MergeAccount(ctx, c.from, c.to, "admin", false)
			if core.ErrorCode(err) != c.code || core.ErrorMessage(err) == "" {
				t.Fatalf("err=%v, want %s", err, c.code)
			}
		})
	}
	// With force, a customer goes into a presales account, which becomes a
	// customer; its lots and tickets follow again.
	mg, err := f.svc.MergeAccount(ctx, bob, dan, "admin", true)
	if err != nil {
		t.Fatal(err)
	}
	if mg.Profiles != 3 || mg.Tickets != 2 || mg.Credits != 50 {
		t.Fatalf("forced merge %+v", mg)
	}
	if st := f.statement(t, ann); st.Account.Kind != core.AccountCustomer || st.Account.Credits != 50 {
		t.Fatalf("account merged into %+v", st.Account)
	}
	f.mustVerify(t)
}

// TestProfiles_Move pins docs/rules.md §1: a profile moves to another
// account with a role, its tickets staying with their account; the only
// primary of an account with other profiles stays until another is
// made primary, and an account keeps one primary.
func TestProfiles_Move(t *testing.T) {
	ctx := context.Background()
	f := mustRulesFixture(t)
	const bob, dev = "bob@corp.example", "dev@shop.example"
	n := f.account(t, ann)
	f.addProfile(t, ann, dev, core.RoleAdvancedSecondary)
	f.account(t, bob)
	from, to := f.ticket(t, n).AccountID, int64(2)

	p, err := f.svc.MoveProfile(ctx, dev, bob, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.AccountID != to || p.Role != core.RoleSecondary {
		t.Fatalf("moved %+v", p)
	}
	cases := []struct {
		name, email, to, role, code string
		why                         string
	}{
		{"the only primary of an account with others", bob, "1", "", core.ECONFLICT, "make one of them primary first"},
		{"into its own account", dev, bob, "", core.EINVALID, "already"},
		{"a second primary", dev, ann, core.RolePrimary, core.ECONFLICT, "has a primary"},
		{"an unknown role", dev, ann, "owner", core.EINVALID, "role"},
		{"an unknown account", dev, "99", "", core.ENOTFOUND, "no account 99"},
		{"an unknown profile", "nobody@x.example", ann, "", core.ENOTFOUND, "not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.MoveProfile(ctx, c.email, c.to, c.role)
			if core.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("err=%v, want %s (%s)", err, c.code, c.why)
			}
		})
	}
	// With another primary, bob may go, and may not come back as a
	// second primary; once he is ann's account's primary too, ann may go,
	// and her ticket stays.
	if _, err := f.svc.SetProfile(ctx, dev, core.ProfileUpdate{Role: ptr(core.RolePrimary)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MoveProfile(ctx, bob, ann, core.RoleAdvancedSecondary); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MoveProfile(ctx, ann, dev, ""); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("ann moved away from bob: %v", err)
	}
	if _, err := f.svc.SetProfile(ctx, bob, core.ProfileUpdate{Role: ptr(core.RolePrimary)}); err != nil {
		t.Fatal(err)
	}
	if p, err := f.svc.MoveProfile(ctx, ann, dev, ""); err != nil || p.AccountID != to || p.Role != core.RoleSecondary {
		t.Fatalf("move ann: %+v, %v", p, err)
	}
	if tk := f.ticket(t, n); tk.AccountID != from || tk.ProfileID != 1 {
		t.Fatalf("ann's ticket moved: account %d, profile %d", tk.AccountID, tk.ProfileID)
	}
}

func ptr[T any](v T) *T { return &v }
