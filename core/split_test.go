package core_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"helpdesk/core"
)

func TestSplit(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.openWith(t, 50)
	second := mail(ann, support, fmt.Sprintf("Re: [#%d] Checkout is blank", n), "Also: how do I add a shipping method?")
	rc := f.mustReceive(t, second)
	mustAct(t, f, n, agent, "reply", "Clear the cache.")
	msgs, err := f.db.Messages(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	first, staff := msgs[0], msgs[len(msgs)-1]

	refusals := []struct {
		name, ref string
		code      string
	}{
		{"the opening message", strconv.FormatInt(first.ID, 10), core.EINVALID},
		{"a staff answer", strconv.FormatInt(staff.ID, 10), core.EINVALID},
		{"no such message", "99999", core.ENOTFOUND},
		{"no such Message-ID", "<nope@x.example>", core.ENOTFOUND},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.act(n, agent, "split", c.ref); core.ErrorCode(err) != c.code {
				t.Fatalf("err=%v, want %s", err, c.code)
			}
		})
	}

	// By Message-ID, as an agent copies it from the mail.
	res := mustAct(t, f, n, agent, "split", "<"+second.MessageID+">")
	tickets := f.mustTicketsT(t)
	m := tickets[0] // newest first
	if !strings.Contains(res, fmt.Sprintf("#%d", m)) || m == n {
		t.Fatalf("split: %s (tickets %v)", res, tickets)
	}
	nt := f.ticket(t, m)
	old := f.ticket(t, n)
	if nt.AccountID != old.AccountID || nt.Status != core.StatusSubmitted || nt.Charged != 0 || nt.Category != 0 ||
		!strings.Contains(nt.Subject, "split from") {
		t.Fatalf("new ticket %+v", nt.Ticket)
	}
	moved, err := f.db.Messages(t.Context(), m)
	if err != nil || len(moved) != 1 || moved[0].ID != rc.Message {
		t.Fatalf("messages of the new ticket %+v (%v)", moved, err)
	}
	if left, _ := f.db.Messages(t.Context(), n); len(left) != len(msgs)-1 {
		t.Fatalf("%d messages left on #%d", len(left), n)
	}
	// The customer is told, and Slack gets the new ticket's card.
	if ns := f.emails(t, m, core.TemplateSplit); len(ns) != 1 || ns[0].Data.SplitFrom != n || !strings.Contains(ns[0].Data.Text, "shipping") {
		t.Fatalf("split notices %+v", ns)
	}
	if cards := f.outbox(t, m)[core.OutboxSlackTicket]; len(cards) != 1 {
		t.Fatalf("%d Slack cards for the new ticket", len(cards))
	}
	// A reply to the moved message now threads to the new ticket.
	reply := mail(ann, support, "Re: shipping", "Flat rate, please.")
	reply.InReplyTo = []string{second.MessageID}
	if rc := f.mustReceive(t, reply); rc.Ticket != m {
		t.Fatalf("reply to the moved message went to #%d, want #%d", rc.Ticket, m)
	}
	// Each ticket is charged on its own.
	mustAct(t, f, n, agent, "category", "1")
	mustAct(t, f, m, agent, "category", "1")
	if f.balance(t, ann) != 40 {
		t.Fatalf("balance %d, want 40", f.balance(t, ann))
	}
	f.mustVerify(t)
}
