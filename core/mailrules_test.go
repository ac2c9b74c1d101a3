package core_test

import (
	"encoding/json"
	"strings"
	"testing"

	"helpdesk/core"
)

func TestReceive_Bounce(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	ack := f.ack(t, n)
	before := len(f.outbox(t, n)[core.OutboxEmail])

	// The report comes back to the acknowledgment's signed return path.
	b := dsn(ack.ReturnPath, "ann@shop.example", "5.1.1")
	rc := f.mustReceive(t, b)
	if rc.Outcome != core.OutcomeBounce || rc.Ticket != n {
		t.Fatalf("receipt %+v, want a bounce stored on ticket %d", rc, n)
	}
	if len(f.mustTicketsT(t)) != 1 {
		t.Fatalf("a bounce opened a ticket")
	}
	ns := f.notices(t, n)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "ann@shop.example (5.1.1)") {
		t.Fatalf("notices %+v, want one naming the bounced address", ns)
	}
	// Not mailed while bouncing: an agent's answer is stored, not sent,
	// and the agent is told so, in the result and in the thread.
	res, err := f.act(n, agent, "reply", "Hello?")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.outbox(t, n)[core.OutboxEmail]); got != before {
		t.Fatalf("%d mails queued to a bouncing address, want %d", got, before)
	}
	if want := "answer recorded on ticket #" + itoa(n) + " but not mailed to ann@shop.example (bouncing since 2026-11-23, 5.1.1)"; !strings.HasPrefix(res, want) {
		t.Fatalf("reply says %q, want it to start %q", res, want)
	}
	if ns := f.notices(t, n); len(ns) != 2 || !ns[1].InThread || !strings.Contains(ns[1].Text, "not mailed to ann@shop.example") ||
		len(ns[1].Mention) != 1 || ns[1].Mention[0] != agent.ID {
		t.Fatalf("thread notices %+v, want one telling the agent the answer was not mailed", ns)
	}
	if p := lastAnswerPost(t, f, n); !p.NotMailed {
		t.Fatalf("thread post %+v, want the answer marked not mailed", p)
	}
	// Writing again clears it.
	f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Re: [#"+itoa(n)+"] Help", "I am back"))
	if _, err := f.act(n, agent, "reply", "Welcome back."); err != nil {
		t.Fatal(err)
	}
	if got := len(f.emails(t, n, core.TemplateReply)); got != 1 {
		t.Fatalf("%d answers mailed after the address wrote again, want 1", got)
	}
	if p := lastAnswerPost(t, f, n); p.NotMailed {
		t.Fatalf("thread post %+v, want the mailed answer not marked", p)
	}
}

// lastAnswerPost is the newest staff answer queued for ticket n's thread.
func lastAnswerPost(t *testing.T, f *fixture, n int64) core.SlackPost {
	t.Helper()
	var last core.SlackPost
	for _, it := range f.outbox(t, n)[core.OutboxSlackReply] {
		var p core.SlackPost
		if err := json.Unmarshal(it.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p.Direction == core.DirOutbound {
			last = p
		}
	}
	if last.Direction == "" {
		t.Fatal("no answer queued for the thread")
	}
	return last
}

func TestReceive_SignedRefInQuote(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	ref := f.ack(t, n).Data.Ref
	// A client that dropped References and the subject tag, whose quote
	// still has the footer.
	e := mail("ann@shop.example", "support@support.example.com", "Re: your mail", "more detail")
	e.Refs = []string{ref}
	if rc := f.mustReceive(t, e); rc.Ticket != n || rc.Outcome != core.OutcomeReply {
		t.Fatalf("receipt %+v, want a reply to %d", rc, n)
	}
	// A forged reference opens a new ticket.
	forged := mail("ann@shop.example", "support@support.example.com", "Re: your mail", "x")
	forged.Refs = []string{"T" + itoa(n) + "-AAAAAAAAAAAAAAAAAAAAAAAA"}
	if rc := f.mustReceive(t, forged); rc.Ticket == n {
		t.Fatalf("a forged reference reached ticket %d", n)
	}
	// Another account's mail quoting the footer stays out.
	other := mail("eve@evil.example", "support@support.example.com", "Re: your mail", "x")
	other.Refs = []string{ref}
	if rc := f.mustReceive(t, other); rc.Ticket == n {
		t.Fatalf("another account's mail reached ticket %d by its reference", n)
	}
}

func TestReceive_OwnMailComesBack(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	ack := f.ack(t, n)
	// Ann's server forwards our acknowledgment back to us, unchanged.
	e := mail("ann@shop.example", "support@support.example.com", ack.Subject, "We have received your request")
	e.MessageID = ack.MessageID
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeAuto {
		t.Fatalf("our own notice coming back: outcome %s, want auto", rc.Outcome)
	}
	if got := len(f.outbox(t, n)[core.OutboxEmail]); got != 1 {
		t.Fatalf("%d mails for ticket %d, want only the acknowledgment", got, n)
	}
}

func TestReceive_SubjectPrefixes(t *testing.T) {
	f := mustRulesFixture(t)
	rc := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "AW: WG: Rechnung fehlt", "x"))
	if got := f.ticket(t, rc.Ticket).Subject; got != "Rechnung fehlt" {
		t.Fatalf("subject %q", got)
	}
}

func (f *fixture) mustTicketsT(t *testing.T) []int64 {
	t.Helper()
	rows, err := f.db.ListTickets(t.Context(), storeFilter())
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, r := range rows {
		out = append(out, r.Number)
	}
	return out
}
