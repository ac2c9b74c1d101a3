package store

import (
	"context"
	"strings"
	"testing"

	"helpdesk/core"
)

// mustPost writes one posting or fails.
func mustPost(t *testing.T, db *DB, p *core.Posting) {
	t.Helper()
	if err := db.Tx(context.Background(), func(tx core.Tx) error { return tx.PostCredits(context.Background(), p) }); err != nil {
		t.Fatalf("post %+v: %v", p.Entry, err)
	}
}

// mustBooks makes an account with a grant of 50 and a charge of 10 on
// its ticket, and returns the ticket.
func mustBooks(t *testing.T, db *DB) *core.Ticket {
	t.Helper()
	tk := mustTicket(t, db, "ann@shop.example")
	grant := &core.Posting{
		Entry: core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditGrant, Amount: 50, By: "admin", Reason: "license", At: t0},
		Lots:  []core.Lot{{AccountID: tk.AccountID, Kind: core.CreditGrant, Credits: 50, AddedAt: t0, ExpiresAt: t0.AddDate(2, 0, 0)}},
	}
	mustPost(t, db, grant)
	charge := &core.Posting{
		Entry:  core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditCharge, Amount: -10, Ticket: tk.Number, By: "U0AGENT", Reason: "category 2", At: t0},
		Spends: []core.Spend{{Lot: grant.Lots[0].ID, Credits: 10}},
	}
	mustPost(t, db, charge)
	if charge.Entry.Balance != 40 {
		t.Fatalf("balance after the charge %d, want 40", charge.Entry.Balance)
	}
	if _, err := db.db.Exec(`UPDATE tickets SET credits_charged = 10, category = 2 WHERE id = ?`, tk.Number); err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestVerifyCredits_Tampered: verify catches every way the books can be
// changed behind the ledger's back.
func TestVerifyCredits_Tampered(t *testing.T) {
	cases := []struct {
		name   string
		tamper string // raw SQL; ? is the ticket number
		want   []string
	}{
		{"balance raised", `UPDATE accounts SET credits = credits + 5`, []string{"ledger sums to 40", "lots hold 40"}},
		{"lot refilled", `UPDATE credit_lots SET remaining = 50`, []string{"lots hold 50", "spends sum to 10"}},
		{"ticket charge forgotten", `UPDATE tickets SET credits_charged = 0 WHERE id = ?`, []string{"charged 0, but its ledger entries come to 10"}},
		{"custom charge without its entry", `INSERT INTO custom_charges (ticket_id, amount, reason, by_whom, state, created_at)
			VALUES (?, 30, 'installation', 'U0AGENT', 'charged', '2026-11-23T09:00:00Z')`,
			[]string{"custom charges of 30, but their ledger entries come to 0"}},
		{"ledger rewritten behind the triggers", `DROP TRIGGER credit_entries_no_update; UPDATE credit_entries SET amount = -5 WHERE kind = 'charge'`,
			[]string{"ledger sums to 45", "running balance is 40, but the entries up to it sum to 45"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := MustOpen(t)
			tk := mustBooks(t, db)
			if bad, err := db.VerifyCredits(context.Background()); err != nil || len(bad) != 0 {
				t.Fatalf("clean books: %+v, %v", bad, err)
			}
			for _, stmt := range strings.Split(c.tamper, "; ") {
				if testDriver == "postgres" { // PostgreSQL names a trigger's table
					stmt = strings.Replace(stmt, "DROP TRIGGER credit_entries_no_update", "DROP TRIGGER credit_entries_no_update ON credit_entries", 1)
				}
				var args []any
				if strings.Contains(stmt, "?") {
					args = append(args, tk.Number)
				}
				if _, err := db.db.Exec(stmt, args...); err != nil {
					t.Fatal(err)
				}
			}
			bad, err := db.VerifyCredits(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range bad {
				got = append(got, m.What)
			}
			all := strings.Join(got, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("verify found:\n%s\nwant %q", all, w)
				}
			}
		})
	}
}

// TestCredits_Constraints: the schema itself refuses what core must
// never write.
func TestCredits_Constraints(t *testing.T) {
	db := MustOpen(t)
	tk := mustBooks(t, db)
	ctx := context.Background()
	var lot int64
	if err := db.db.QueryRow(`SELECT id FROM credit_lots`).Scan(&lot); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    core.Posting
		code string
	}{
		{"a balance below zero", core.Posting{
			Entry:  core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditCharge, Amount: -41, By: "x", Reason: "x", At: t0},
			Spends: []core.Spend{{Lot: lot, Credits: 41}}}, core.ECREDITS},
		{"a lot refilled beyond its size", core.Posting{
			Entry:  core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditRefund, Amount: 11, By: "x", Reason: "x", At: t0},
			Spends: []core.Spend{{Lot: lot, Credits: -11}}}, core.ECREDITS},
		{"an entry that does not add up", core.Posting{
			Entry:  core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditCharge, Amount: -5, By: "x", Reason: "x", At: t0},
			Spends: []core.Spend{{Lot: lot, Credits: 4}}}, core.EINTERNAL},
		{"an unknown account", core.Posting{
			Entry: core.LedgerEntry{AccountID: 999, Kind: core.CreditGrant, Amount: 5, By: "x", Reason: "x", At: t0},
			Lots:  []core.Lot{{Kind: core.CreditGrant, Credits: 5, AddedAt: t0, ExpiresAt: t0}}}, core.ENOTFOUND},
		{"an unknown kind", core.Posting{
			Entry: core.LedgerEntry{AccountID: tk.AccountID, Kind: "gift", Amount: 5, By: "x", Reason: "x", At: t0},
			Lots:  []core.Lot{{Kind: "gift", Credits: 5, AddedAt: t0, ExpiresAt: t0}}}, core.EINTERNAL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := db.Tx(ctx, func(tx core.Tx) error { return tx.PostCredits(ctx, &c.p) })
			if core.ErrorCode(err) != c.code {
				t.Fatalf("err=%v (code %s), want %s", err, core.ErrorCode(err), c.code)
			}
			if bad, err := db.VerifyCredits(ctx); err != nil || len(bad) != 0 {
				t.Fatalf("books after a refused posting: %+v, %v", bad, err)
			}
		})
	}
	for _, q := range []string{`UPDATE credit_entries SET amount = 1`, `DELETE FROM credit_entries`} {
		if _, err := db.db.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the ledger to refuse", q, err)
		}
	}
}

func TestCredits_SpendsAndHeldAnswers(t *testing.T) {
	db := MustOpen(t)
	tk := mustBooks(t, db)
	ctx := context.Background()
	err := db.Tx(ctx, func(tx core.Tx) error {
		ct := core.CreditsTx(tx)
		sp, err := ct.TicketSpends(ctx, tk.Number)
		if err != nil || len(sp) != 1 || sp[0].Credits != 10 {
			t.Errorf("ticket spends %+v, %v", sp, err)
		}
		h := &core.HeldAnswer{Ticket: tk.Number, Agent: "U0AGENT", Text: "wait", CreatedAt: t0}
		if err := ct.HoldAnswer(ctx, h); err != nil {
			return err
		}
		if hs, err := ct.HeldAnswers(ctx, tk.Number); err != nil || len(hs) != 1 || hs[0].Text != "wait" {
			t.Errorf("held %+v, %v", hs, err)
		}
		if err := ct.EndHeldAnswer(ctx, h.ID, "released", t0); err != nil {
			return err
		}
		if err := ct.EndHeldAnswer(ctx, h.ID, "dropped", t0); err == nil {
			t.Error("an answer released twice")
		}
		hs, err := ct.HeldAnswers(ctx, tk.Number)
		if err != nil || len(hs) != 0 {
			t.Errorf("held after release %+v, %v", hs, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
