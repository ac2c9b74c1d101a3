package core_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/core/token"
	"helpdesk/internal/storetest"
	"helpdesk/store"
)

var (
	t0     = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	secret = []byte("test-secret")
)

type fixture struct {
	svc  *core.Service
	db   *store.DB
	path string // the database file
	now  time.Time
}

func mustFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.Open(t)
	f := &fixture{db: db, path: db.Path(), now: t0}
	var err error
	f.svc, err = core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: secret,
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
			{Name: "sales", Addresses: []string{"sales@support.example.com"}},
		},
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var seq int

// mail builds a parsed mail as inbound/mail would hand it to core, from
// a sender that authenticated (docs/rules.md §6; TestTrust_* cover the
// others).
func mail(from, to, subject, text string) *core.Email {
	seq++
	id := "m" + strconv.Itoa(seq) + "@client.example"
	return &core.Email{
		MessageID: id, From: core.Address{Name: "Ann", Addr: from}, Subject: subject, Text: text,
		BodyHash: "h-" + id, Raw: []byte("raw " + id),
		Envelope: core.Envelope{Sender: from, Recipients: []string{to}},
		Auth:     authPass(from),
	}
}

// authPass is the sender check of mail that passed DMARC.
func authPass(from string) *core.Auth {
	_, domain, _ := strings.Cut(from, "@")
	return &core.Auth{DMARC: core.AuthPass, SPF: core.AuthPass, DKIM: core.AuthNone, Domain: domain, Aligned: true}
}

func (f *fixture) mustReceive(t *testing.T, e *core.Email) *core.Receipt {
	t.Helper()
	rc, err := f.svc.Receive(context.Background(), e)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return rc
}

// outbox returns the pending rows of a ticket, by kind.
func (f *fixture) outbox(t *testing.T, ticket int64) map[string][]core.OutboxItem {
	t.Helper()
	due, err := f.db.Due(context.Background(), f.now.Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]core.OutboxItem{}
	for _, it := range due {
		if it.Ticket == ticket {
			out[it.Kind] = append(out[it.Kind], it)
		}
	}
	return out
}

func (f *fixture) ack(t *testing.T, ticket int64) core.EmailNotice {
	t.Helper()
	rows := f.outbox(t, ticket)[core.OutboxEmail]
	if len(rows) != 1 {
		t.Fatalf("ticket %d has %d email rows, want 1", ticket, len(rows))
	}
	var n core.EmailNotice
	if err := json.Unmarshal(rows[0].Payload, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReceive_NewTicket(t *testing.T) {
	f := mustFixture(t)
	e := mail("Ann@Shop.example", "sales@support.example.com", "Need a quote", "How much for 3 licenses?")
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeNew || rc.Ticket == 0 {
		t.Fatalf("receipt %+v, want a new ticket", rc)
	}
	tk, err := f.db.TicketRow(context.Background(), rc.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != core.StatusSubmitted || tk.Department != "sales" || tk.Type != core.TypeSales ||
		tk.Account.Kind != core.AccountPresales || tk.Email != "ann@shop.example" || tk.Subject != "Need a quote" {
		t.Fatalf("ticket %+v", tk)
	}
	n := f.ack(t, rc.Ticket)
	if !strings.HasPrefix(n.Subject, "[#") || !strings.Contains(n.Subject, "Need a quote") {
		t.Errorf("ack subject %q", n.Subject)
	}
	if n.InReplyTo != e.MessageID || n.To.Addr != "ann@shop.example" || n.Template != core.TemplateAck {
		t.Errorf("ack %+v", n)
	}
	local, _, _ := strings.Cut(n.ReplyTo, "@")
	_, tok, _ := strings.Cut(local, "+")
	if num, _, err := token.Verify(secret, tok); err != nil || num != rc.Ticket {
		t.Errorf("Reply-To %q token: ticket %d, %v", n.ReplyTo, num, err)
	}
	if got := len(f.outbox(t, rc.Ticket)[core.OutboxSlackTicket]); got != 1 {
		t.Errorf("%d Slack parent rows, want 1", got)
	}
}

func TestReceive_Matching(t *testing.T) {
	f := mustFixture(t)
	first := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Blank page", "help"))
	ack := f.ack(t, first.Ticket)
	// A colleague of Ann, in the same account.
	var colleague core.Profile
	err := f.db.Tx(context.Background(), func(tx core.Tx) error {
		ann, err := tx.ProfileByEmail(context.Background(), "ann@shop.example")
		if err != nil {
			return err
		}
		colleague = core.Profile{AccountID: ann.AccountID, Email: "bob@shop.example", Role: core.RoleSecondary, CreatedAt: t0}
		return tx.CreateProfile(context.Background(), &colleague)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another customer, with a ticket of her own.
	other := f.mustReceive(t, mail("eve@evil.example", "support@support.example.com", "Hi", "hello"))

	cases := []struct {
		name    string
		mail    func() *core.Email
		outcome string
		same    bool // lands in the first ticket
	}{
		{"In-Reply-To the acknowledgment", func() *core.Email {
			e := mail("ann@shop.example", "support@support.example.com", "Re: [#x] Blank page", "more")
			e.InReplyTo = []string{ack.MessageID}
			return e
		}, core.OutcomeReply, true},
		{"References only", func() *core.Email {
			e := mail("ann@shop.example", "support@support.example.com", "Re: Blank page", "more")
			e.References = []string{"unknown@x", ack.MessageID}
			return e
		}, core.OutcomeReply, true},
		{"reply token, case folded", func() *core.Email {
			return mail("ann@shop.example", strings.ToUpper(ack.ReplyTo), "Re: whatever", "more")
		}, core.OutcomeReply, true},
		{"subject tag from a colleague", func() *core.Email {
			return mail("bob@shop.example", "support@support.example.com", "AW: [#"+itoa(first.Ticket)+"] Blank page", "me too")
		}, core.OutcomeReply, true},
		{"In-Reply-To from another account", func() *core.Email {
			e := mail("eve@evil.example", "support@support.example.com", "Re: Blank page", "let me in")
			e.InReplyTo = []string{ack.MessageID}
			return e
		}, core.OutcomeNew, false},
		{"stolen reply token from another account", func() *core.Email {
			return mail("eve@evil.example", ack.ReplyTo, "Re: Blank page", "let me in")
		}, core.OutcomeNew, false},
		{"subject tag of another account", func() *core.Email {
			return mail("eve@evil.example", "support@support.example.com", "[#"+itoa(first.Ticket)+"] hi", "let me in")
		}, core.OutcomeNew, false},
		{"forged token", func() *core.Email {
			return mail("ann@shop.example", "support+"+token.Sign([]byte("guess"), first.Ticket, 1)+"@support.example.com", "Blank page", "x")
		}, core.OutcomeNew, false},
		{"unknown sender replying", func() *core.Email {
			e := mail("mallory@else.example", "support@support.example.com", "Re: Blank page", "x")
			e.InReplyTo = []string{ack.MessageID}
			return e
		}, core.OutcomeNew, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rc := f.mustReceive(t, c.mail())
			if rc.Outcome != c.outcome {
				t.Fatalf("outcome %s, want %s", rc.Outcome, c.outcome)
			}
			if got := rc.Ticket == first.Ticket; got != c.same {
				t.Fatalf("ticket %d (first is %d), same=%v want %v", rc.Ticket, first.Ticket, got, c.same)
			}
			if rc.Ticket == other.Ticket {
				t.Fatalf("landed in another customer's ticket")
			}
		})
	}
	// Replies notify Slack in the thread and send no acknowledgment.
	rows := f.outbox(t, first.Ticket)
	if len(rows[core.OutboxEmail]) != 1 || len(rows[core.OutboxSlackReply]) != 4 {
		t.Fatalf("first ticket outbox: %d emails, %d Slack replies; want 1, 4",
			len(rows[core.OutboxEmail]), len(rows[core.OutboxSlackReply]))
	}
}

func TestReceive_AutoReplies(t *testing.T) {
	f := mustFixture(t)
	first := f.mustReceive(t, mail("ann@shop.example", "support@support.example.com", "Blank page", "help"))
	ack := f.ack(t, first.Ticket)

	t.Run("threaded auto-reply is stored on its ticket, unanswered", func(t *testing.T) {
		e := mail("ann@shop.example", ack.ReplyTo, "Out of office", "I am away")
		e.Auto, e.AutoReason = true, "Auto-Submitted: auto-replied"
		rc := f.mustReceive(t, e)
		if rc.Outcome != core.OutcomeAuto || rc.Ticket != first.Ticket {
			t.Fatalf("receipt %+v", rc)
		}
		rows := f.outbox(t, first.Ticket)
		if len(rows[core.OutboxSlackReply]) != 0 || len(rows[core.OutboxEmail]) != 1 {
			t.Fatalf("auto-reply triggered outbox rows: %v", rows)
		}
	})
	t.Run("unmatched auto-reply opens nothing", func(t *testing.T) {
		e := mail("robot@else.example", "support@support.example.com", "Auto: thanks", "we got it")
		e.Auto = true
		rc := f.mustReceive(t, e)
		if rc.Outcome != core.OutcomeAuto || rc.Ticket != 0 {
			t.Fatalf("receipt %+v", rc)
		}
		found, err := f.db.FindMessageID(context.Background(), e.MessageID)
		if err != nil || found.Message == nil || !found.Message.Auto {
			t.Fatalf("unmatched auto-reply not stored: %+v %v", found, err)
		}
		err = f.db.Tx(context.Background(), func(tx core.Tx) error {
			_, err := tx.ProfileByEmail(context.Background(), "robot@else.example")
			return err
		})
		if core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("auto-reply created a profile: %v", err)
		}
	})
	t.Run("our own address is never answered", func(t *testing.T) {
		rc := f.mustReceive(t, mail("support@support.example.com", "support@support.example.com", "[#1] loop", "x"))
		if rc.Outcome != core.OutcomeAuto {
			t.Fatalf("mail from our own address: outcome %s, want auto", rc.Outcome)
		}
	})
}

func TestReceive_Duplicate(t *testing.T) {
	f := mustFixture(t)
	e := mail("ann@shop.example", "support@support.example.com", "Blank page", "help")
	first := f.mustReceive(t, e)
	again := *e
	rc := f.mustReceive(t, &again)
	if rc.Outcome != core.OutcomeDuplicate || rc.Ticket != first.Ticket {
		t.Fatalf("second delivery: %+v, want duplicate of ticket %d", rc, first.Ticket)
	}
	list, err := f.db.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("%d tickets, want 1 (%v)", len(list), err)
	}
	if n := len(f.outbox(t, first.Ticket)[core.OutboxEmail]); n != 1 {
		t.Fatalf("%d acknowledgments, want 1", n)
	}
}

func TestService_AcceptsRecipient(t *testing.T) {
	f := mustFixture(t)
	for addr, want := range map[string]bool{
		"support@support.example.com":        true,
		"SALES@Support.Example.com":          true,
		"support+abc@support.example.com":    true,
		"billing@support.example.com":        false,
		"support@other.example":              false,
		"victim@gmail.example":               false,
		"support+abc@evil.support.example.c": false,
	} {
		if got := f.svc.AcceptsRecipient(addr); got != want {
			t.Errorf("AcceptsRecipient(%q) = %v, want %v", addr, got, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
