package core_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestMergeTickets pins docs/rules.md §2's merge: the refusals, people
// joining the survivor, one notice and no closing notice, the ledger
// untouched with the charge shown on the survivor, and mail to a ticket
// merged twice (#N→#M→#K) taken by the last.
func TestMergeTickets(t *testing.T) {
	ctx := context.Background()
	f := mustRulesFixture(t)
	n := f.openWith(t, 25)
	mustAct(t, f, n, agent, "category", "1") // charged at once
	mustAct(t, f, n, agent, "cc", "add", "carl@contractor.example")
	m := f.open(t, ann, support)
	k := f.open(t, ann, support)
	bob := f.open(t, "bob@other.example", support)
	closed := f.open(t, ann, support)
	mustAct(t, f, closed, agent, "close")

	for _, c := range []struct {
		from int64
		into string
		want string
	}{
		{n, fmt.Sprint(n), "into itself"},
		{n, fmt.Sprint(bob), "different accounts"},
		{n, fmt.Sprint(closed), "is closed; reopen it, or merge it into"},
		{closed, fmt.Sprint(n), "is closed; reopen it to merge it"},
		{n, "#999", "there is no ticket #999"},
		{n, "soon", "no ticket number"},
	} {
		if _, err := f.act(c.from, agent, "merge", c.into); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("merge #%d into %s: %v, want %q", c.from, c.into, err, c.want)
		}
	}
	if _, err := f.act(n, customer, "merge", fmt.Sprint(m)); err == nil || !strings.Contains(err.Error(), "only support staff") {
		t.Errorf("the customer's merge: %v", err)
	}
	before := f.statement(t, ann)

	mustAct(t, f, n, agent, "merge", fmt.Sprintf("#%d", m))
	if r := f.ticket(t, n); r.Status != core.StatusClosed || r.AwaitingReply {
		t.Fatalf("merged ticket %s, awaiting %v", r.Status, r.AwaitingReply)
	}
	// One notice, a copy each for the requester and carl, the
	// participant who came with #n.
	ns := f.emails(t, m, core.TemplateMerged)
	if len(ns) != 2 || ns[0].Rcpt != "" || ns[0].To.Addr != ann || ns[1].Rcpt != "carl@contractor.example" || ns[0].Data.MergedFrom != n {
		t.Fatalf("merge notices %+v, want one from #%d to ann and its copy to carl", ns, n)
	}
	for _, en := range f.emails(t, n, core.TemplateStatus) {
		if en.Data.Status == core.StatusClosed {
			t.Fatalf("a closing notice for the merged ticket: %+v", en)
		}
	}
	if _, ps, err := f.db.TicketPeople(ctx, m); err != nil || len(ps) != 1 || ps[0].Email != "carl@contractor.example" {
		t.Fatalf("survivor's participants %+v, %v; want carl", ps, err)
	}
	after := f.statement(t, ann)
	if after.Account.Credits != before.Account.Credits || len(after.Entries) != len(before.Entries) {
		t.Fatalf("the merge touched the ledger: %d entries, balance %d; before %d, %d",
			len(after.Entries), after.Account.Credits, len(before.Entries), before.Account.Credits)
	}

	mustAct(t, f, m, agent, "merge", fmt.Sprint(k))
	if _, err := f.act(k, agent, "merge", fmt.Sprint(n)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("merged into #%d; merge into that one", k)) {
		t.Errorf("merge into a merged ticket: %v", err)
	}
	if _, err := f.act(n, agent, "note", "hello"); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("act on #%d", k)) {
		t.Errorf("a note on a merged ticket: %v", err)
	}
	rc := f.mustReceive(t, mail(ann, support, fmt.Sprintf("Re: [#%d] Help", n), "Any news?"))
	if rc.Ticket != k {
		t.Fatalf("mail tagged [#%d] went to #%d, want #%d", n, rc.Ticket, k)
	}
	mg, err := f.db.TicketMerges(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(mg.From) != fmt.Sprint([]int64{n, m}) || len(mg.Charges) != 1 || mg.Charges[0].Ticket != n || mg.Charges[0].Amount != -5 {
		t.Fatalf("survivor's merges %+v, want #%d and #%d with #%d's charge of 5", mg, n, m, n)
	}
}

// TestMergeTickets_Files: a file an agent shared on the merged ticket
// goes with its messages to the survivor.
func TestMergeTickets_Files(t *testing.T) {
	ctx := context.Background()
	f := mustRulesFixture(t)
	n := f.open(t, ann, support)
	m := f.open(t, ann, support)
	file := &core.StoredFile{Ticket: n, Name: "shot.png", ContentType: "image/png", Data: []byte("png"), CreatedAt: f.now}
	if err := f.db.Tx(ctx, func(tx core.Tx) error { return tx.AddFile(ctx, file) }); err != nil {
		t.Fatal(err)
	}
	mustAct(t, f, n, agent, "merge", fmt.Sprint(m))
	got, err := f.db.File(ctx, file.ID)
	if err != nil || got.Ticket != m {
		t.Fatalf("file after the merge: %+v, %v; want it on #%d", got, err, m)
	}
}
