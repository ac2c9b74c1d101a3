package core_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/storetest"
)

// mustDeptFixture is a fixture whose departments the test chooses.
func mustDeptFixture(t *testing.T, limit int, depts ...core.Department) *fixture {
	t.Helper()
	db := storetest.Open(t)
	f := &fixture{db: db, now: t0}
	var err error
	f.svc, err = core.NewService(db, core.Options{Domain: "support.example.com", Secret: secret,
		Departments: depts, AutoMailLimit: limit, Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func policyDepts() []core.Department {
	return []core.Department{
		{Name: "support", Addresses: []string{"support@support.example.com"}, UnknownSender: core.UnknownQuarantine},
		{Name: "sales", Addresses: []string{"sales@support.example.com"}, UnknownSender: core.UnknownReject},
		{Name: "billing", Addresses: []string{"billing@support.example.com"}, Language: core.LangRU},
	}
}

func decode[T any](t *testing.T, rows []core.OutboxItem) []T {
	t.Helper()
	var out []T
	for _, it := range rows {
		var v T
		if err := json.Unmarshal(it.Payload, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestReceive_UnknownSenderQuarantine pins docs/rules.md §1: a stranger's
// mail to a quarantining department is held with its reason and shown
// in the channel with Accept and Reject buttons; accepting opens the
// ticket as if it had just arrived; a known person is unaffected.
func TestReceive_UnknownSenderQuarantine(t *testing.T) {
	f := mustDeptFixture(t, 0, policyDepts()...)
	ctx := context.Background()
	e := mail("stranger@new.example", "support@support.example.com", "Hello", "Can you help?")
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeHeld || rc.Ticket != 0 || rc.Held == 0 {
		t.Fatalf("receipt %+v, want held", rc)
	}
	q, err := f.db.QuarantineGet(ctx, rc.Held)
	if err != nil || !strings.Contains(q.Reason, "unknown sender") || string(q.Raw) != string(e.Raw) {
		t.Fatalf("quarantined %+v, %v", q, err)
	}
	notices := decode[core.SlackNotice](t, f.outbox(t, 0)[core.OutboxSlackNotice])
	if len(notices) != 1 || notices[0].Held != rc.Held || notices[0].Department != "support" {
		t.Fatalf("notices %+v, want one with the held id", notices)
	}
	if rows := f.outbox(t, 0)[core.OutboxEmail]; len(rows) != 0 {
		t.Fatalf("%d mails to a held stranger, want none", len(rows))
	}

	if _, err := f.svc.AcceptHeld(ctx, rc.Held, e, core.Actor{Kind: core.ActorCustomer, ID: "x@y"}); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("a customer accepting: %v, want forbidden", err)
	}
	acc, err := f.svc.AcceptHeld(ctx, rc.Held, e, core.Actor{Kind: core.ActorAgent, ID: "U1"})
	if err != nil || acc.Outcome != core.OutcomeNew {
		t.Fatalf("accept: %+v, %v", acc, err)
	}
	if ack := f.ack(t, acc.Ticket); ack.To.Addr != "stranger@new.example" {
		t.Fatalf("acknowledgment to %s", ack.To.Addr)
	}
	if _, err := f.svc.AcceptHeld(ctx, rc.Held, e, core.Actor{Kind: core.ActorAgent, ID: "U1"}); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("accepting twice: %v, want conflict", err)
	}

	// Now known: a new mail and a reply go straight through.
	if rc := f.mustReceive(t, mail("stranger@new.example", "support@support.example.com", "Another", "x")); rc.Outcome != core.OutcomeNew {
		t.Fatalf("known sender's new mail: %+v", rc)
	}

	held := f.mustReceive(t, mail("spam@junk.example", "support@support.example.com", "Buy", "now"))
	if err := f.svc.RejectHeld(ctx, held.Held, core.Actor{Kind: core.ActorAgent, ID: "U1"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.db.HeldState(ctx, held.Held); st != core.HeldRejected {
		t.Fatalf("state after reject %q", st)
	}
}

// TestReceive_UnknownSenderReject pins docs/rules.md §1: over SMTP the
// mail is refused before it is stored; over IMAP it is filed as rejected
// and the sender gets one polite refusal, within the loop guard.
func TestReceive_UnknownSenderReject(t *testing.T) {
	f := mustDeptFixture(t, 3, policyDepts()...)
	ctx := context.Background()
	live := mail("stranger@new.example", "sales@support.example.com", "Offer", "Hello")
	live.Envelope.Live = true
	if _, err := f.svc.Receive(ctx, live); core.ErrorCode(err) != core.EREJECTED {
		t.Fatalf("live reject: %v, want %s", err, core.EREJECTED)
	}
	if qs, _ := f.db.QuarantineList(ctx); len(qs) != 0 {
		t.Fatalf("a mail refused over SMTP was kept: %+v", qs)
	}

	for i := range 5 {
		e := mail("robot@loop.example", "sales@support.example.com", "Предложение", "Добрый день")
		rc := f.mustReceive(t, e)
		if rc.Outcome != core.OutcomeRejected || rc.Held == 0 {
			t.Fatalf("mail %d: %+v, want rejected", i, rc)
		}
		if st, _ := f.db.HeldState(ctx, rc.Held); st != core.HeldRejected {
			t.Fatalf("filed as %q", st)
		}
	}
	refusals := decode[core.EmailNotice](t, f.outbox(t, 0)[core.OutboxEmail])
	if len(refusals) != 3 {
		t.Fatalf("%d refusals for 5 mails with a limit of 3, want 3", len(refusals))
	}
	if r := refusals[0]; r.Template != core.TemplateRefusal || r.To.Addr != "robot@loop.example" || r.Data.Lang != core.LangRU {
		t.Fatalf("refusal %+v", r)
	}
	// The open department still opens tickets for strangers.
	if rc := f.mustReceive(t, mail("new@x.example", "billing@support.example.com", "Invoice", "Hi")); rc.Outcome != core.OutcomeNew {
		t.Fatalf("open department: %+v", rc)
	}
}

// TestNotices_Language pins docs/rules.md §1: the profile's choice, else
// its latest mail's language (Content-Language, else the script), else
// the department's; #lang sets the choice.
func TestNotices_Language(t *testing.T) {
	f := mustDeptFixture(t, 0, policyDepts()...)
	const billing = "billing@support.example.com"
	rc := f.mustReceive(t, mail("ivan@shop.example", billing, "Счёт", "Здравствуйте, где счёт?"))
	if got := f.ack(t, rc.Ticket).Data.Lang; got != core.LangRU {
		t.Fatalf("Cyrillic mail: notice in %q", got)
	}
	en := mail("john@shop.example", billing, "Invoice", "Where is the invoice?")
	rc = f.mustReceive(t, en)
	if got := f.ack(t, rc.Ticket).Data.Lang; got != core.LangEN {
		t.Fatalf("Latin mail: notice in %q", got)
	}
	tagged := mail("olga@shop.example", billing, "Invoice", "Где счёт?")
	tagged.Language = "en"
	rc = f.mustReceive(t, tagged)
	if got := f.ack(t, rc.Ticket).Data.Lang; got != core.LangEN {
		t.Fatalf("Content-Language en: notice in %q", got)
	}
	// No text at all: the department's language.
	rc = f.mustReceive(t, mail("anon@shop.example", billing, "", "12345"))
	if got := f.ack(t, rc.Ticket).Data.Lang; got != core.LangRU {
		t.Fatalf("department default: notice in %q", got)
	}

	// #lang ru from an English writer: the commands notice and later
	// ones are Russian.
	cmd := mail("john@shop.example", billing, "Re: Invoice", "")
	cmd.InReplyTo = []string{f.ack(t, 2).MessageID}
	cmd.Commands = []core.Command{{Name: "lang", Args: []string{"ru"}, Line: "#lang ru"}}
	f.mustReceive(t, cmd)
	ns := f.emails(t, 2, core.TemplateCommands)
	if len(ns) != 1 || ns[0].Data.Lang != core.LangRU || !strings.Contains(ns[0].Data.Results[0], "выполнено") {
		t.Fatalf("commands notice %+v", ns)
	}
	if _, err := f.act(2, core.Actor{Kind: core.ActorAgent, ID: "U1"}, "status", core.StatusPreClosed); err != nil {
		t.Fatal(err)
	}
	if st := f.emails(t, 2, core.TemplateStatus); len(st) != 1 || st[0].Data.Lang != core.LangRU {
		t.Fatalf("status notice after #lang ru: %+v", st)
	}
}

// TestNotices_NotificationsOff pins docs/rules.md §1: no automatic
// notices, but staff answers still go.
func TestNotices_NotificationsOff(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	n := f.open(t, "ann@shop.example", support)
	err := f.db.Tx(ctx, func(tx core.Tx) error {
		p, err := tx.ProfileByEmail(ctx, "ann@shop.example")
		if err != nil {
			return err
		}
		p.NotificationsOff = true
		return tx.UpdateProfile(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	before := len(f.outbox(t, n)[core.OutboxEmail])
	agent := core.Actor{Kind: core.ActorAgent, ID: "U1"}
	if _, err := f.act(n, agent, "status", core.StatusPreClosed); err != nil {
		t.Fatal(err)
	}
	if got := len(f.emails(t, n, core.TemplateStatus)); got != 0 {
		t.Fatalf("%d status notices with notifications off", got)
	}
	if _, err := f.act(n, agent, "reply", "Here is the fix."); err != nil {
		t.Fatal(err)
	}
	if got := len(f.outbox(t, n)[core.OutboxEmail]); got != before+1 {
		t.Fatalf("%d mails after a staff answer, want %d", got, before+1)
	}
	rc := f.mustReceive(t, mail("ann@shop.example", support, "New one", "Another question"))
	if got := len(f.emails(t, rc.Ticket, core.TemplateAck)); got != 0 {
		t.Fatalf("%d acknowledgments with notifications off", got)
	}
}

// TestReceive_SubjectType pins docs/rules.md §2: a leading [word] sets
// the type and department and leaves the subject.
func TestReceive_SubjectType(t *testing.T) {
	depts := policyDepts()
	depts[0].UnknownSender, depts[1].UnknownSender = "", ""
	depts[2].SubjectWords = []string{"invoice"}
	f := mustDeptFixture(t, 0, depts...)
	for _, c := range []struct{ subject, dept, typ, stored string }{
		{"[sales] Price list", "sales", core.TypeSales, "Price list"},
		{"[Project] New shop", "support", core.TypeProject, "New shop"},
		{"Re: [support] Broken", "support", core.TypeSupport, "Broken"},
		{"[invoice] March", "billing", core.TypeGeneric, "March"},
		{"[unknown] Words", "support", core.TypeSupport, "[unknown] Words"},
	} {
		t.Run(c.subject, func(t *testing.T) {
			rc := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", c.subject, "text"))
			tk := f.ticket(t, rc.Ticket)
			if tk.Department != c.dept || tk.Type != c.typ || tk.Subject != c.stored {
				t.Fatalf("ticket %s/%s %q, want %s/%s %q", tk.Department, tk.Type, tk.Subject, c.dept, c.typ, c.stored)
			}
		})
	}
}

// TestOpenTicket pins docs/rules.md §2: an agent opens a ticket for a
// customer; the first message is mailed with a signed reply address, and
// the customer's reply threads to it.
func TestOpenTicket(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	agent := core.Actor{Kind: core.ActorAgent, ID: "U1", Name: "Dana"}
	if _, err := f.svc.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: "ann@shop.example"}, Subject: "x", Text: "y"},
		core.Actor{Kind: core.ActorCustomer, ID: "ann@shop.example"}); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("a customer opening: %v", err)
	}
	n, err := f.svc.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: "Ann@Shop.example"},
		Subject: "[sales] Your renewal", Text: "Your license ends next month."}, agent)
	if err != nil {
		t.Fatal(err)
	}
	tk := f.ticket(t, n)
	if tk.Type != core.TypeSales || tk.Subject != "Your renewal" || tk.Status != core.StatusInProgress || tk.Assignee != "U1" {
		t.Fatalf("ticket %+v", tk)
	}
	first := f.emails(t, n, core.TemplateReply)
	if len(first) != 1 || first[0].To.Addr != "ann@shop.example" || !strings.Contains(first[0].ReplyTo, "+") ||
		first[0].Data.Agent != "Dana" {
		t.Fatalf("first message %+v", first)
	}
	reply := mail("ann@shop.example", first[0].ReplyTo, "Re: "+first[0].Subject, "Please renew.")
	reply.InReplyTo = []string{first[0].MessageID}
	if rc := f.mustReceive(t, reply); rc.Outcome != core.OutcomeReply || rc.Ticket != n {
		t.Fatalf("customer's reply: %+v, want a reply on #%d", rc, n)
	}
}

// TestRoles_Preagree pins docs/rules.md §1: a secondary profile may not
// agree to charges in advance; an advanced secondary one may.
func TestRoles_Preagree(t *testing.T) {
	f := mustFixture(t)
	n := f.open(t, "ann@shop.example", support)
	f.addProfile(t, "ann@shop.example", "sec@shop.example", core.RoleSecondary)
	f.addProfile(t, "ann@shop.example", "adv@shop.example", core.RoleAdvancedSecondary)
	if _, err := f.act(n, core.Actor{Kind: core.ActorCustomer, ID: "sec@shop.example"}, "preagree"); core.ErrorCode(err) != core.EFORBIDDEN {
		t.Fatalf("secondary #preagree: %v, want forbidden", err)
	}
	if _, err := f.act(n, core.Actor{Kind: core.ActorCustomer, ID: "adv@shop.example"}, "preagree"); err != nil {
		t.Fatalf("advanced secondary #preagree: %v", err)
	}
}
