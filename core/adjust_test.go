package core_test

import (
	"context"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestCredits_Adjust: credits adjust adds a lot or takes from the lots
// as a `manual` entry with who and why; it never takes the balance below
// zero, and credits verify stays clean (docs/rules.md §5).
func TestCredits_Adjust(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t)
	f.openWith(t, 25)
	cases := []struct {
		name    string
		n       int
		reason  string
		balance int    // after it
		err     string // in the refusal; "" when done
	}{
		{"Goodwill", 10, "goodwill: the outage of May 3", 35, ""},
		{"Refund", 5, "refund  of ticket #7,\n charged twice", 40, ""},
		{"Take", -15, "credited by mistake", 25, ""},
		{"BelowZero", -26, "too much", 25, "has 25 credits; taking 26 would make its balance negative"},
		{"NoReason", 5, "  ", 25, "need a reason"},
		{"Zero", 0, "nothing", 25, "is not an adjustment"},
		{"Huge", core.MaxCredits + 1, "typo", 25, "is not an adjustment"},
		{"LongReason", 5, strings.Repeat("x", 301), 25, "at most 300"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := f.svc.Adjust(ctx, ann, c.n, c.reason, "admin:jo")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err=%v, want %q", err, c.err)
				}
			} else if err != nil || e.Kind != core.CreditManual || e.Amount != c.n || e.Balance != c.balance || e.By != "admin:jo" {
				t.Fatalf("entry %+v, %v; want manual %+d, balance %d", e, err, c.n, c.balance)
			}
			if got := f.balance(t, ann); got != c.balance {
				t.Fatalf("balance=%d, want %d", got, c.balance)
			}
			f.mustVerify(t)
		})
	}
	st := f.statement(t, ann)
	last := st.Entries[len(st.Entries)-1]
	if last.Kind != core.CreditManual || last.Reason != "credited by mistake" {
		t.Fatalf("last entry %+v", last)
	}
	if _, err := f.svc.Adjust(ctx, "nobody@x.example", 5, "why", "admin"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("unknown address: %v", err)
	}
}
