package core_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
	"helpdesk/core/token"
	"helpdesk/store"
)

// ann (credits_test.go) opens the tickets; colleague is of her account,
// contractor from outside it.
const (
	colleague  = "bob@shop.example"
	contractor = "carl@contractor.example"
)

// mustColleague makes addr a profile of the account of the profile of.
func (f *fixture) mustColleague(t *testing.T, of, addr string) {
	t.Helper()
	ctx := context.Background()
	err := f.db.Tx(ctx, func(tx core.Tx) error {
		p, err := tx.ProfileByEmail(ctx, of)
		if err != nil {
			return err
		}
		return tx.CreateProfile(ctx, &core.Profile{AccountID: p.AccountID, Email: addr, Role: core.RoleSecondary, CreatedAt: f.now})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustThreePeople opens Ann's ticket with Bob (her colleague) and Carl
// (a contractor) in Cc, and returns it with the acknowledgments by
// recipient.
func mustThreePeople(t *testing.T, f *fixture) (int64, map[string]core.EmailNotice) {
	t.Helper()
	f.mustReceive(t, mail(ann, "support@support.example.com", "Earlier", "first ticket"))
	f.mustColleague(t, ann, colleague)
	f.deliver(t)
	e := mail(ann, "support@support.example.com", "Checkout is blank", "The checkout shows a white page.")
	e.To = []core.Address{{Addr: "support@support.example.com"}}
	e.Cc = []core.Address{{Name: "Bob", Addr: "Bob@Shop.example"}, {Name: "Carl", Addr: contractor},
		{Addr: "support+whatever@support.example.com"}}
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeNew {
		t.Fatalf("outcome %s, want new", rc.Outcome)
	}
	return rc.Ticket, byRecipient(t, f)
}

// byRecipient delivers the due mails and returns them by envelope
// recipient, failing on two to one address.
func byRecipient(t *testing.T, f *fixture) map[string]core.EmailNotice {
	t.Helper()
	mails, _ := f.deliver(t)
	out := map[string]core.EmailNotice{}
	for _, m := range mails {
		rcpt := m.Rcpt
		if rcpt == "" {
			rcpt = m.To.Addr
		}
		if _, dup := out[rcpt]; dup {
			t.Fatalf("two mails to %s", rcpt)
		}
		out[rcpt] = m
	}
	return out
}

func replyToken(t *testing.T, n core.EmailNotice) token.Claims {
	t.Helper()
	local, _, _ := strings.Cut(n.ReplyTo, "@")
	_, tok, _ := strings.Cut(local, "+")
	c, err := token.Parse(secret, tok)
	if err != nil {
		t.Fatalf("Reply-To %q: %v", n.ReplyTo, err)
	}
	return c
}

// The opening mail's Cc become participants, never the gateway's own
// addresses; the acknowledgment reaches each person once, shown as one
// list (To the requester, Cc the participants), each copy with its
// recipient's own reply token.
func TestParticipants_OpeningMail(t *testing.T) {
	f := mustFixture(t)
	n, acks := mustThreePeople(t, f)
	if len(acks) != 3 {
		t.Fatalf("acknowledgments to %v, want ann, colleague and contractor", keys(acks))
	}
	for rcpt, m := range acks {
		if m.Template != core.TemplateAck || m.To.Addr != ann {
			t.Errorf("%s: %s To %s, want the ack To ann", rcpt, m.Template, m.To.Addr)
		}
		var cc []string
		for _, a := range m.Cc {
			cc = append(cc, a.Addr)
		}
		if !slices.Equal(cc, []string{colleague, contractor}) {
			t.Errorf("%s: Cc %v, want colleague and contractor", rcpt, cc)
		}
		if c := replyToken(t, m); c.Ticket != n {
			t.Errorf("%s: token names ticket %d, want %d", rcpt, c.Ticket, n)
		}
	}
	if c := replyToken(t, acks[contractor]); c.Participant == 0 || c.Profile != 0 {
		t.Errorf("contractor's token %+v, want a participant's", c)
	}
	if c := replyToken(t, acks[colleague]); c.Profile == 0 {
		t.Errorf("colleague's token %+v, want his profile's", c)
	}
	if acks[ann].MessageID == acks[colleague].MessageID || acks[colleague].ReplyTo == acks[contractor].ReplyTo {
		t.Errorf("copies share a Message-ID or a Reply-To")
	}
}

// A participant's reply threads by every route a profile's does, though
// the contractor is no profile at all; someone else's does not, nor a
// participant's once the ticket is closed (docs/rules.md §6).
func TestReceive_ParticipantMatching(t *testing.T) {
	f := mustFixture(t)
	n, acks := mustThreePeople(t, f)
	own := acks[contractor]
	routes := map[string]func(from string) *core.Email{
		"reply token": func(from string) *core.Email { return mail(from, own.ReplyTo, "Re: whatever", "more") },
		"In-Reply-To": func(from string) *core.Email {
			e := mail(from, "support@support.example.com", "Re: Checkout", "more")
			e.InReplyTo = []string{acks[ann].MessageID}
			return e
		},
		"References": func(from string) *core.Email {
			e := mail(from, "support@support.example.com", "Re: Checkout", "more")
			e.References = []string{"x@y", own.MessageID}
			return e
		},
		"footer ref": func(from string) *core.Email {
			e := mail(from, "support@support.example.com", "Re: Checkout", "more")
			e.Refs = []string{own.Data.Ref}
			return e
		},
		"subject tag": func(from string) *core.Email {
			return mail(from, "support@support.example.com", "Re: [#"+itoa(n)+"] Checkout", "more")
		},
	}
	for name, m := range routes {
		t.Run(name, func(t *testing.T) {
			if rc := f.mustReceive(t, m(contractor)); rc.Outcome != core.OutcomeReply || rc.Ticket != n {
				t.Fatalf("contractor: %+v, want a reply on %d", rc, n)
			}
			if rc := f.mustReceive(t, m("dave@elsewhere.example")); rc.Ticket == n {
				t.Fatalf("dave, no participant, reached ticket %d", n)
			}
		})
	}
	msgs, err := f.db.Messages(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; last.From != contractor || last.ProfileID != 0 {
		t.Errorf("contractor's message stored from %q profile %d, want his address and no profile", last.From, last.ProfileID)
	}
	if _, err := f.svc.Act(context.Background(), n, agent, "close"); err != nil {
		t.Fatal(err)
	}
	if rc := f.mustReceive(t, routes["reply token"](contractor)); rc.Ticket == n {
		t.Fatalf("contractor reached the closed ticket %d", n)
	}
}

// Carl, from outside the account, may write but not close: the refusal
// is mailed to him alone and the ticket stays open. Bob, of the account,
// removes him with #cc, after which Carl no longer reaches the ticket.
func TestParticipants_Commands(t *testing.T) {
	f := mustFixture(t)
	n, _ := mustThreePeople(t, f)
	e := mail(contractor, "support@support.example.com", "Re: [#"+itoa(n)+"] Checkout", "")
	e.Commands = []core.Command{{Name: "close", Line: "#close"}}
	f.mustReceive(t, e)
	got := byRecipient(t, f)
	m, ok := got[contractor]
	if len(got) != 1 || !ok || m.Template != core.TemplateCommands || m.To.Addr != contractor || len(m.Cc) != 0 {
		t.Fatalf("mails after contractor's #close: %+v, want the refusal to contractor alone", got)
	}
	if r := strings.Join(m.Data.Results, " "); !strings.Contains(r, "not done") || !strings.Contains(r, "account") {
		t.Errorf("refusal %q", r)
	}
	if st := f.ticket(t, n).Status; st != core.StatusSubmitted {
		t.Fatalf("status %s after contractor's #close, want submitted", st)
	}

	e = mail(colleague, "support@support.example.com", "Re: [#"+itoa(n)+"] Checkout", "")
	e.Commands = []core.Command{{Name: "cc", Args: []string{"remove", contractor}, Line: "#cc remove " + contractor}}
	f.mustReceive(t, e)
	if got := byRecipient(t, f); len(got) != 1 || !strings.Contains(got[colleague].Data.Results[0], "done") {
		t.Fatalf("colleague's #cc remove answered %+v", got)
	}
	if rc := f.mustReceive(t, mail(contractor, "support@support.example.com", "Re: [#"+itoa(n)+"] Checkout", "hi")); rc.Ticket == n {
		t.Fatalf("contractor reached ticket %d after his removal", n)
	}

	// An agent adds him back; the gateway's own address is refused.
	if _, err := f.svc.Act(context.Background(), n, agent, "cc", "add", "<mailto:Carl@Contractor.example|Carl@Contractor.example>"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Act(context.Background(), n, agent, "cc", "add", "support+x@support.example.com"); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("cc add of our own address: %v", err)
	}
	if _, err := f.svc.Act(context.Background(), n, agent, "cc", "remove", ann); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("cc remove of the requester: %v", err)
	}
}

// Staff answers and status notices reach everybody once; a charge to
// confirm concerns the requester alone.
func TestParticipants_Notices(t *testing.T) {
	f := mustFixture(t)
	n, _ := mustThreePeople(t, f)
	if _, err := f.svc.Act(context.Background(), n, agent, "reply", "Clear the cache."); err != nil {
		t.Fatal(err)
	}
	got := byRecipient(t, f)
	if len(got) != 3 || got[contractor].Template != core.TemplateReply || got[contractor].Data.Text != "Clear the cache." {
		t.Fatalf("staff answer reached %v, want all three", keys(got))
	}
	if _, err := f.svc.Act(context.Background(), n, agent, "category", "2"); err != nil {
		t.Fatal(err)
	}
	if got := byRecipient(t, f); len(got) != 1 || got[ann].Template != core.TemplateCredits {
		t.Fatalf("credits notice reached %v, want ann alone", keys(got))
	}
	if _, err := f.svc.Act(context.Background(), n, agent, "close"); err != nil {
		t.Fatal(err)
	}
	if got := byRecipient(t, f); len(got) != 3 || got[colleague].Template != core.TemplateStatus {
		t.Fatalf("status notice reached %v, want all three", keys(got))
	}
}

// Addresses past the caps are not added: 10 per mail, 20 per ticket.
func TestParticipants_Caps(t *testing.T) {
	f := mustFixture(t)
	var cc []core.Address
	for i := range 30 {
		cc = append(cc, core.Address{Addr: "p" + itoa(int64(i)) + "@crowd.example"})
	}
	e := mail(ann, "support@support.example.com", "Crowd", "hi")
	e.Cc = cc
	n := f.mustReceive(t, e).Ticket
	count := func() int {
		t.Helper()
		_, ps, err := f.db.TicketPeople(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	if got := count(); got != core.MaxParticipantsPerMail {
		t.Fatalf("%d participants from one mail, want %d", got, core.MaxParticipantsPerMail)
	}
	for range 3 {
		e := mail(ann, "support@support.example.com", "Re: [#"+itoa(n)+"] Crowd", "more")
		e.Cc = cc[10:]
		f.mustReceive(t, e)
	}
	if got := count(); got != core.MaxParticipants {
		t.Fatalf("%d participants, want the cap %d", got, core.MaxParticipants)
	}
	if _, err := f.svc.Act(context.Background(), n, agent, "cc", "add", "one@more.example"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("cc add over the cap: %v", err)
	}
}

// #tickets answers with the open tickets of the sender's account, each
// with a reply address signed for it; a mail that says nothing else
// opens no ticket.
func TestTickets_Command(t *testing.T) {
	f := mustFixture(t)
	one := f.open(t, ann, "support@support.example.com")
	two := f.open(t, ann, "sales@support.example.com")
	closed := f.open(t, ann, "support@support.example.com")
	if _, err := f.svc.Act(context.Background(), closed, agent, "close"); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	e := mail(ann, "support@support.example.com", "list", "")
	e.Commands = []core.Command{{Name: "tickets", Line: "#tickets"}}
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeCommands || rc.Ticket != 0 {
		t.Fatalf("receipt %+v, want commands on no ticket", rc)
	}
	mails, _ := f.deliver(t)
	if len(mails) != 1 || mails[0].Template != core.TemplateTickets || mails[0].To.Addr != ann {
		t.Fatalf("mails %+v, want the list to ann", mails)
	}
	var nums []int64
	for _, l := range mails[0].Data.Tickets {
		c := replyToken(t, core.EmailNotice{ReplyTo: l.ReplyTo})
		if c.Ticket != l.Number || l.Status == core.StatusClosed || l.LastActivity == "" {
			t.Errorf("line %+v, token %+v", l, c)
		}
		nums = append(nums, l.Number)
	}
	slices.Sort(nums)
	if !slices.Equal(nums, []int64{one, two}) {
		t.Fatalf("listed %v, want %d and %d", nums, one, two)
	}
	if rows, _ := f.db.ListTickets(context.Background(), store.TicketFilter{}); len(rows) != 3 {
		t.Fatalf("%d tickets after #tickets, want 3", len(rows))
	}
}

// A command result answers the customer's own mail: it is not counted
// as automatic mail, so the 11th in an hour still goes out, while 60 an
// hour stop a runaway loop (docs/rules.md §6).
func TestLoopGuard_CommandResultsNotCounted(t *testing.T) {
	f := mustFixture(t)
	n := f.open(t, ann, "support@support.example.com")
	f.deliver(t)
	sent := 0
	for i := range core.DefaultAnswerMailLimit + 1 {
		e := mail(ann, "support@support.example.com", "Re: [#"+itoa(n)+"] x", "")
		e.Commands = []core.Command{{Name: "priority", Args: []string{[]string{"major", "minor"}[i%2]}, Line: "#priority"}}
		f.mustReceive(t, e)
		mails, _ := f.deliver(t)
		sent += len(mails)
		if i == core.DefaultAutoMailLimit && len(mails) != 1 {
			t.Fatalf("the %dth command result in an hour was not mailed", i+1)
		}
	}
	if sent != core.DefaultAnswerMailLimit {
		t.Fatalf("%d command results mailed in an hour, want %d", sent, core.DefaultAnswerMailLimit)
	}
	// Automatic notices keep their own count: a status notice still goes.
	if _, err := f.svc.Act(context.Background(), n, agent, "close"); err != nil {
		t.Fatal(err)
	}
	if mails, _ := f.deliver(t); len(mails) != 1 || mails[0].Template != core.TemplateStatus {
		t.Fatalf("status notice after 61 command results: %+v", mails)
	}
}

func keys(m map[string]core.EmailNotice) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
