package core_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/storetest"
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

// TestReceiveAll keeps the order of a batch: a reply after the mail it
// answers lands in that mail's ticket, a duplicate is recognised, and a
// refused mail does not disturb the others.
func TestReceiveAll(t *testing.T) {
	f := mustFixture(t)
	first := mail("ann@shop.example", "support@support.example.com", "Blank page", "help")
	reply := mail("ann@shop.example", "support@support.example.com", "Re: Blank page", "more")
	reply.InReplyTo = []string{first.MessageID}
	twin := *first
	bad := mail("", "support@support.example.com", "no sender", "x")
	rcs, errs := f.svc.ReceiveAll(context.Background(), []*core.Email{first, bad, reply, &twin})
	if errs[0] != nil || errs[2] != nil || errs[3] != nil || core.ErrorCode(errs[1]) != core.EINVALID {
		t.Fatalf("errors %v", errs)
	}
	if rcs[0].Outcome != core.OutcomeNew || rcs[2].Outcome != core.OutcomeReply || rcs[2].Ticket != rcs[0].Ticket {
		t.Fatalf("receipts %+v %+v, want the reply in the first mail's ticket", rcs[0], rcs[2])
	}
	if rcs[3].Outcome != core.OutcomeDuplicate || rcs[3].Ticket != rcs[0].Ticket {
		t.Fatalf("twin: %+v, want a duplicate of ticket %d", rcs[3], rcs[0].Ticket)
	}
}

// A mail whose caller can wait 200ms (an SMTP client's receive timeout)
// is refused as temporary by then when another process holds the
// database's write lock, although the group commit it joins serves
// other callers too and SQLite's busy timeout is 10 s.
func TestReceive_LockedDatabaseHonoursDeadline(t *testing.T) {
	storetest.SQLiteOnly(t)
	f := mustFixture(t)
	other, err := sql.Open("sqlite3", "file:"+f.path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = f.svc.Receive(ctx, mail("ann@shop.example", "support@support.example.com", "Locked", "help"))
	took := time.Since(start)
	if core.ErrorCode(err) != core.ETEMPORARY || took > time.Second {
		t.Fatalf("Receive on a locked database: %v (code %s) after %v, want ETEMPORARY by the 200ms deadline",
			err, core.ErrorCode(err), took)
	}
}
