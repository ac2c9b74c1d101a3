package core_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"helpdesk/core"
	"helpdesk/store"
)

// TestReceive_GroupCommit sends many mails at once: each becomes exactly
// one ticket, a duplicate inside the same batch is recognised, and a mail
// that fails rolls back only itself.
func TestReceive_GroupCommit(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	const n = 60
	var wg sync.WaitGroup
	outcomes := make([]string, n+2)
	errs := make([]error, n+2)
	twin := mail("twin@shop.example", "support@support.example.com", "Same mail twice", "x")
	mails := make([]*core.Email, n+2)
	for i := range mails {
		switch {
		case i >= n: // the same mail delivered twice, concurrently
			c := *twin
			mails[i] = &c
		default:
			mails[i] = mail(fmt.Sprintf("c%d@shop.example", i), "support@support.example.com", fmt.Sprintf("mail %d", i), "help")
		}
	}
	mails[7].From.Addr = "" // refused by the rules: must not disturb the others
	for i := 0; i < n+2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rc, err := f.svc.Receive(ctx, mails[i])
			errs[i] = err
			if rc != nil {
				outcomes[i] = rc.Outcome
			}
		}(i)
	}
	wg.Wait()
	if core.ErrorCode(errs[7]) != core.EINVALID {
		t.Fatalf("mail without From: %v, want invalid", errs[7])
	}
	for i := 0; i < n; i++ {
		if i != 7 && (errs[i] != nil || outcomes[i] != core.OutcomeNew) {
			t.Fatalf("mail %d: %s, %v", i, outcomes[i], errs[i])
		}
	}
	got := map[string]bool{outcomes[n]: true, outcomes[n+1]: true}
	if !got[core.OutcomeNew] || !got[core.OutcomeDuplicate] {
		t.Fatalf("the twin mails: %s and %s, want new and duplicate", outcomes[n], outcomes[n+1])
	}
	list, err := f.db.ListTickets(ctx, store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n-1+1 {
		t.Fatalf("%d tickets, want %d", len(list), n)
	}
}
