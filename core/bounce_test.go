package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/storetest"
)

// dsn is a delivery report, as inbound/mail parses one, delivered to
// rcpt and naming addr as failed with status.
func dsn(rcpt, addr, status string) *core.Email {
	e := mail("mailer-daemon@mx.shop.example", rcpt, "Undelivered Mail Returned to Sender", "")
	e.Auth = nil
	e.Envelope.Sender, e.Envelope.NullSender = "", true
	e.Auto, e.AutoReason = true, "bounce: delivery status notification"
	e.Bounce = &core.Bounce{Recipients: []core.BouncedRecipient{
		{Addr: addr, Status: status, Action: "failed", Permanent: strings.HasPrefix(status, "5")}}}
	return e
}

// bounceStatus is the BounceStatus of the profile with addr, "-" when it
// is not marked bouncing.
func (f *fixture) bounceStatus(t *testing.T, addr string) string {
	t.Helper()
	var status string
	err := f.db.Tx(context.Background(), func(tx core.Tx) error {
		p, err := tx.ProfileByEmail(context.Background(), addr)
		if err != nil {
			return err
		}
		status = "-"
		if !p.BouncingSince.IsZero() {
			status = p.BounceStatus
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// TestBounce_Proof: a report marks an address bouncing only when it
// proves to be about a mail we sent to that address (docs/rules.md §6):
// it came back to the mail's signed return path (over SMTP or, by its
// Delivered-To, over IMAP), or it returns the Message-ID of a mail sent
// without one to the address it names. Every other report is stored as
// automatic mail and changes nothing: no mark, no notice, no ticket.
func TestBounce_Proof(t *testing.T) {
	type sent struct{ returnPath, messageID string }
	cases := []struct {
		name     string
		unsigned bool // the gateway sends from its From address
		later    time.Duration
		report   func(s sent) *core.Email
		want     string // Ann's bounce status afterwards, "-" for none
		proven   bool   // stored as a bounce on the ticket, not as automatic mail
	}{
		{"to the return path", false, 0, func(s sent) *core.Email {
			return dsn(s.returnPath, "ann@shop.example", "5.1.1")
		}, "5.1.1", true},
		{"to the return path, over IMAP", false, 0, func(s sent) *core.Email {
			e := dsn("support@support.example.com", "ann@shop.example", "5.2.1")
			e.Envelope.Recipients, e.DeliveredTo = nil, []string{s.returnPath}
			return e
		}, "5.2.1", true},
		{"to the return path, naming a forward", false, 0, func(s sent) *core.Email {
			return dsn(s.returnPath, "ann@elsewhere.example", "5.1.1")
		}, "5.1.1", true},
		{"to the return path, only delayed", false, 0, func(s sent) *core.Email {
			return dsn(s.returnPath, "ann@shop.example", "4.4.1")
		}, "-", true},
		{"to the return path after 31 days", false, 31 * day, func(s sent) *core.Email {
			return dsn(s.returnPath, "ann@shop.example", "5.1.1")
		}, "-", false},
		{"forged: to the department, naming the customer", false, 0, func(s sent) *core.Email {
			e := dsn("support@support.example.com", "ann@shop.example", "5.1.1")
			e.References = []string{s.messageID}
			return e
		}, "-", false},
		{"forged: to a return path with another signature", false, 0, func(s sent) *core.Email {
			local, domain, _ := strings.Cut(s.returnPath, "@")
			last := "a"
			if strings.HasSuffix(local, "a") {
				last = "b"
			}
			return dsn(local[:len(local)-1]+last+"@"+domain, "ann@shop.example", "5.1.1")
		}, "-", false},
		{"returned Message-ID of a mail with a return path", false, 0, func(s sent) *core.Email {
			e := dsn("support@support.example.com", "ann@shop.example", "5.1.1")
			e.Bounce.MessageIDs = []string{s.messageID}
			return e
		}, "-", false},
		{"returned Message-ID, unsigned", true, 0, func(s sent) *core.Email {
			e := dsn("support@support.example.com", "ann@shop.example", "5.1.1")
			e.Bounce.MessageIDs = []string{s.messageID}
			return e
		}, "5.1.1", true},
		{"returned Message-ID, unsigned, naming another address", true, 0, func(s sent) *core.Email {
			e := dsn("support@support.example.com", "bob@shop.example", "5.1.1")
			e.Bounce.MessageIDs = []string{s.messageID}
			return e
		}, "-", true},
		{"forged, unsigned: no returned Message-ID", true, 0, func(s sent) *core.Email {
			e := dsn("support@support.example.com", "ann@shop.example", "5.1.1")
			e.InReplyTo = []string{s.messageID}
			return e
		}, "-", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustBounceFixture(t, c.unsigned)
			n := f.open(t, "ann@shop.example", "support@support.example.com")
			f.open(t, "bob@shop.example", "support@support.example.com")
			ack := f.ack(t, n)
			if c.unsigned != (ack.ReturnPath == "") {
				t.Fatalf("return path %q, unsigned %v", ack.ReturnPath, c.unsigned)
			}
			mails := len(f.outbox(t, n)[core.OutboxEmail])
			f.now = f.now.Add(c.later)
			rc := f.mustReceive(t, c.report(sent{ack.ReturnPath, ack.MessageID}))

			if got := f.bounceStatus(t, "ann@shop.example"); got != c.want {
				t.Fatalf("Ann's bounce status %q, want %q (receipt %+v)", got, c.want, rc)
			}
			if got := f.bounceStatus(t, "bob@shop.example"); got != "-" {
				t.Fatalf("Bob is marked bouncing (%s)", got)
			}
			if len(f.mustTicketsT(t)) != 2 {
				t.Fatalf("a report opened a ticket")
			}
			out := f.outbox(t, n)
			if got := len(out[core.OutboxEmail]); got != mails {
				t.Fatalf("%d mails after the report, want %d", got, mails)
			}
			if c.proven {
				if rc.Outcome != core.OutcomeBounce || rc.Ticket != n {
					t.Fatalf("receipt %+v, want a bounce on ticket %d", rc, n)
				}
			} else if rc.Outcome != core.OutcomeAuto || rc.Ticket != 0 {
				t.Fatalf("receipt %+v, want automatic mail on no ticket", rc)
			}
			if marked := c.want != "-"; marked != (len(f.notices(t, n)) == 1) {
				t.Fatalf("department notices %+v, want one only for a marked address", f.notices(t, n))
			}
		})
	}
}

// mustBounceFixture is mustRulesFixture, sending from the From address
// when unsigned is set.
func mustBounceFixture(t *testing.T, unsigned bool) *fixture {
	t.Helper()
	if !unsigned {
		return mustRulesFixture(t)
	}
	db := storetest.Open(t)
	f := &fixture{db: db, now: t0}
	var err error
	f.svc, err = core.NewService(db, core.Options{
		Domain:             "support.example.com",
		Secret:             secret,
		Departments:        []core.Department{{Name: "support", Addresses: []string{"support@support.example.com"}}},
		UnsignedReturnPath: true,
		Now:                func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Every mail carries its own return path; the gateway takes mail for a
// validly signed one only, and mail to it that is no delivery report (an
// auto-responder that answers the envelope sender) is automatic mail:
// stored on its ticket, never answered.
func TestBounce_ReturnPath(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	if _, err := f.act(n, agent, "cc", "add", "carl@contractor.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.act(n, agent, "reply", "Try this."); err != nil {
		t.Fatal(err)
	}
	ack := f.emails(t, n, core.TemplateAck)[0]
	paths := map[string]bool{}
	for _, en := range append(f.emails(t, n, core.TemplateAck), f.emails(t, n, core.TemplateReply)...) {
		local, domain, _ := strings.Cut(en.ReturnPath, "@")
		if !strings.HasPrefix(local, core.BounceLocal+"+") || domain != "support.example.com" || paths[en.ReturnPath] {
			t.Fatalf("return path %q: want a bounce address of its own", en.ReturnPath)
		}
		paths[en.ReturnPath] = true
		if !f.svc.AcceptsRecipient(en.ReturnPath) || !f.svc.AcceptsRecipient(strings.ToUpper(en.ReturnPath)) {
			t.Fatalf("the gateway refuses its own return path %q", en.ReturnPath)
		}
	}
	if len(paths) != 3 {
		t.Fatalf("%d return paths, want one for each of 3 mails", len(paths))
	}
	for _, bad := range []string{"bounces@support.example.com", "bounces+aaaaaaaaaaaaaaaaaaaaaaa@support.example.com",
		strings.Replace(ack.ReturnPath, "support.example.com", "other.example", 1)} {
		if f.svc.AcceptsRecipient(bad) {
			t.Fatalf("the gateway takes mail for %q", bad)
		}
	}

	before := len(f.outbox(t, n)[core.OutboxEmail])
	answer := f.emails(t, n, core.TemplateReply)[0]
	reply := mail("ann@shop.example", answer.ReturnPath, "Re: [#"+itoa(n)+"] Help", "I am away until Monday.\n#close")
	reply.InReplyTo = []string{answer.MessageID}
	reply.Commands = []core.Command{{Name: "close", Line: "#close"}}
	rc := f.mustReceive(t, reply)
	if rc.Outcome != core.OutcomeAuto || rc.Ticket != n {
		t.Fatalf("receipt %+v, want automatic mail on ticket %d", rc, n)
	}
	if got := len(f.outbox(t, n)[core.OutboxEmail]); got != before || f.ticket(t, n).Status == core.StatusClosed {
		t.Fatalf("mail to the bounce address was acted on: %d mails (want %d), status %s", got, before, f.ticket(t, n).Status)
	}
}

// The records that prove bounces are forgotten after
// BounceTokenValidity by the sweep, and a report that comes later
// changes nothing.
func TestBounce_SweepForgets(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	ack := f.ack(t, n)
	if res := f.sweep(t, t0.Add(core.BounceTokenValidity-time.Hour)); res.ForgottenSent != 0 {
		t.Fatalf("sweep forgot %d records before they expired", res.ForgottenSent)
	}
	if res := f.sweep(t, t0.Add(core.BounceTokenValidity+time.Hour)); res.ForgottenSent != 1 {
		t.Fatalf("sweep forgot %d records, want the acknowledgment's", res.ForgottenSent)
	}
	f.now = t0.Add(time.Hour) // as if the report came in time, after the records went
	if rc := f.mustReceive(t, dsn(ack.ReturnPath, "ann@shop.example", "5.1.1")); rc.Outcome != core.OutcomeAuto ||
		f.bounceStatus(t, "ann@shop.example") != "-" {
		t.Fatalf("a report for a forgotten mail: %+v", rc)
	}
}

// A ticket an agent opens for a bouncing address is opened, its first
// message is not mailed, and its thread says so; the gateway's own
// return path is no customer.
func TestBounce_OpenForBouncingAddress(t *testing.T) {
	f := mustRulesFixture(t)
	ctx := context.Background()
	n := f.open(t, "ann@shop.example", "support@support.example.com")
	ack := f.ack(t, n)
	f.mustReceive(t, dsn(ack.ReturnPath, "ann@shop.example", "5.1.1"))
	m, err := f.svc.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: "ann@shop.example"}, Subject: "Renewal", Text: "Due soon."}, agent)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.emails(t, m, core.TemplateReply); len(got) != 0 {
		t.Fatalf("%d mails to a bouncing address", len(got))
	}
	if ns := f.notices(t, m); len(ns) != 1 || !ns[0].InThread || !strings.Contains(ns[0].Text, "not mailed to ann@shop.example") {
		t.Fatalf("thread notices %+v", ns)
	}
	if _, err := f.svc.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: ack.ReturnPath}, Subject: "x", Text: "y"}, agent); core.ErrorCode(err) != core.EINVALID {
		t.Fatalf("a ticket for the return path: %v, want invalid", err)
	}
}
