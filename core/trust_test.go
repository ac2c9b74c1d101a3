package core_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/core/token"
	"helpdesk/internal/storetest"
	"helpdesk/store"
)

// Sender checks as the inbound edge hands them to core.
var (
	authDMARCPass = &core.Auth{DMARC: core.AuthPass, SPF: core.AuthFail, DKIM: core.AuthPass, Domain: "shop.example", Policy: "none", Aligned: true}
	authAligned   = &core.Auth{DMARC: core.AuthNone, SPF: core.AuthPass, DKIM: core.AuthNone, Domain: "shop.example", Aligned: true}
	authForged    = &core.Auth{DMARC: core.AuthFail, SPF: core.AuthFail, DKIM: core.AuthNone, Domain: "shop.example", Policy: "none"}
	authNothing   = &core.Auth{DMARC: core.AuthNone, SPF: core.AuthNone, DKIM: core.AuthNone, Domain: "shop.example"}
	authTemp      = &core.Auth{DMARC: core.AuthTempError, SPF: core.AuthTempError, DKIM: core.AuthNone, Domain: "shop.example"}
	authReject    = &core.Auth{DMARC: core.AuthFail, SPF: core.AuthFail, DKIM: core.AuthFail, Domain: "shop.example", Policy: "reject"}
	// DMARC fails, yet a relaxed alignment passed: the domain asked for
	// strict alignment, and DMARC's word is final.
	authStrictAlign = &core.Auth{DMARC: core.AuthFail, SPF: core.AuthPass, DKIM: core.AuthNone, Domain: "shop.example", Policy: "none", Aligned: true}
	// p=reject, but the lookup failed: a temperror is no fail.
	authRejectTemp = &core.Auth{DMARC: core.AuthTempError, SPF: core.AuthFail, DKIM: core.AuthNone, Domain: "shop.example", Policy: "reject"}
)

func TestAuth_Authenticated(t *testing.T) {
	cases := []struct {
		name string
		a    *core.Auth
		want bool
	}{
		{"DMARCPass", authDMARCPass, true},
		{"NoDMARCAlignedSPF", authAligned, true},
		{"DMARCFail", authForged, false},
		{"DMARCFailRelaxedAligned", authStrictAlign, false},
		{"Nothing", authNothing, false},
		{"TempError", authTemp, false},
		{"NotChecked", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.Authenticated(); got != c.want {
				t.Fatalf("Authenticated()=%v, want %v", got, c.want)
			}
		})
	}
}

// TestDecide is the policy of docs/rules.md §6 as a table: how a mail
// found its ticket × the sender check × the department's setting →
// quarantined, joins the ticket, commands obeyed.
func TestDecide(t *testing.T) {
	type want struct{ quarantine, join, commands bool }
	var (
		allowed    = want{false, true, true}
		textOnly   = want{false, true, false}
		newTicket  = want{false, false, false}
		quarantine = want{true, false, false}
	)
	weak := []core.Route{core.RouteThread, core.RouteReference, core.RouteSubject}
	type row struct {
		mode  string
		route core.Route
		auth  *core.Auth
		want  want
	}
	var rows []row
	for _, mode := range []string{"", core.AuthenticationCommands, core.AuthenticationStrict} {
		strictly := func(commands, strict want) want {
			if mode == core.AuthenticationStrict {
				return strict
			}
			return commands
		}
		for _, a := range []*core.Auth{authDMARCPass, authAligned} {
			for _, r := range append(weak, core.RouteToken, core.RouteNew) {
				rows = append(rows, row{mode, r, a, allowed})
			}
		}
		for _, a := range []*core.Auth{authForged, authNothing, authTemp, authStrictAlign, authRejectTemp, nil} {
			rows = append(rows, row{mode, core.RouteToken, a, allowed}, row{mode, core.RouteNew, a, textOnly})
			for _, r := range weak {
				rows = append(rows, row{mode, r, a, strictly(textOnly, newTicket)})
			}
		}
		for _, r := range append(weak, core.RouteToken, core.RouteNew) {
			rows = append(rows, row{mode, r, authReject, quarantine})
		}
	}
	for _, a := range []*core.Auth{authReject, authForged, nil} {
		for _, r := range append(weak, core.RouteToken, core.RouteNew) {
			rows = append(rows, row{core.AuthenticationOff, r, a, allowed})
		}
	}
	for _, r := range rows {
		name := "mode=" + r.mode + "/route=" + string(r.route) + "/auth=" + r.auth.String()
		if r.auth != nil {
			name += "/spf=" + r.auth.SPF + "/policy=" + r.auth.Policy
		}
		t.Run(name, func(t *testing.T) {
			got := core.Decide(r.mode, r.route, r.auth)
			if g := (want{got.Quarantine, got.Join, got.Commands}); g != r.want {
				t.Fatalf("Decide=%+v, want %+v", got, r.want)
			}
			if (got.Reason == "") != (got.Commands && !got.Quarantine) {
				t.Fatalf("reason %q with %+v", got.Reason, got)
			}
		})
	}
}

// trustFixture has a department per authentication setting.
func mustTrustFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.Open(t)
	f := &fixture{db: db, now: t0}
	var err error
	f.svc, err = core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: secret,
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
			{Name: "sales", Addresses: []string{"sales@support.example.com"}, Authentication: core.AuthenticationStrict},
			{Name: "lab", Addresses: []string{"lab@support.example.com"}, Authentication: core.AuthenticationOff},
		},
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func withAuth(e *core.Email, a *core.Auth) *core.Email {
	e.Auth = a
	return e
}

func withCommand(e *core.Email, name string, args ...string) *core.Email {
	e.Commands = append(e.Commands, core.Command{Name: name, Args: args, Line: strings.TrimSpace("#" + name + " " + strings.Join(args, " "))})
	return e
}

// TestTrust_Commands: a forged From that matches Ann's ticket by its
// subject tag or thread posts its text, but its commands are refused and
// the refusal goes to Ann's stored address, not to an address the mail
// named; through the reply token the same mail is obeyed.
func TestTrust_Commands(t *testing.T) {
	f := mustTrustFixture(t)
	const ann, support = "ann@shop.example", "support@support.example.com"
	n := f.mustReceive(t, mail(ann, support, "Checkout is blank", "white page")).Ticket
	ack := f.ack(t, n)

	forged := withCommand(withAuth(mail(ann, support, "Re: [#"+itoa(n)+"] Checkout is blank", "please close"), authForged), "close")
	forged.ReplyTo = []core.Address{{Addr: "eve@evil.example"}}
	forged.Envelope.Sender = "eve@evil.example"
	if rc := f.mustReceive(t, forged); rc.Outcome != core.OutcomeReply || rc.Ticket != n {
		t.Fatalf("forged mail: %+v, want a reply to #%d", rc, n)
	}
	if st := f.ticket(t, n).Status; st == core.StatusClosed {
		t.Fatalf("forged #close closed the ticket")
	}
	notes := f.emails(t, n, core.TemplateCommands)
	if len(notes) != 1 || notes[0].To.Addr != ann || !strings.Contains(strings.Join(notes[0].Data.Results, "\n"), "not done: the sender's address could not be authenticated (DMARC fail)") {
		t.Fatalf("commands notices %+v, want one refusal to %s", notes, ann)
	}

	thread := withCommand(withAuth(mail(ann, support, "Re: Checkout is blank", ""), nil), "priority", "major")
	thread.InReplyTo = []string{ack.MessageID}
	f.mustReceive(t, thread)
	if p := f.ticket(t, n).Priority; p != core.PriorityNormal {
		t.Fatalf("priority %s after an unchecked #priority major, want normal", p)
	}

	// The reply token proves the sender received our mail.
	byToken := withCommand(withAuth(mail(ann, ack.ReplyTo, "Re: Checkout is blank", ""), authForged), "priority", "major")
	if rc := f.mustReceive(t, byToken); rc.Ticket != n {
		t.Fatalf("token reply went to %d", rc.Ticket)
	}
	if p := f.ticket(t, n).Priority; p != core.PriorityMajor {
		t.Fatalf("priority %s after #priority major by the reply token, want major", p)
	}

	// An authenticated sender is obeyed whatever the route.
	authed := withCommand(withAuth(mail(ann, support, "Re: [#"+itoa(n)+"] x", ""), authAligned), "close")
	f.mustReceive(t, authed)
	if st := f.ticket(t, n).Status; st != core.StatusClosed {
		t.Fatalf("status %s after an authenticated #close, want closed", st)
	}

	msgs, err := f.db.Messages(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	if got := msgs[1].Auth; got == nil || *got != *authForged {
		t.Fatalf("stored auth %+v, want %+v", got, authForged)
	}
	if msgs[0].Auth == nil || msgs[2].Auth != nil {
		t.Fatalf("stored auth of the first and the unchecked mail: %+v, %+v", msgs[0].Auth, msgs[2].Auth)
	}
}

// TestTrust_NewTicket: an unauthenticated sender may open a ticket, but
// its commands are refused, and the Slack card carries the warning.
func TestTrust_NewTicket(t *testing.T) {
	f := mustTrustFixture(t)
	e := withCommand(withAuth(mail("bob@shop.example", "support@support.example.com", "Help", "text"), authTemp), "priority", "major")
	rc := f.mustReceive(t, e)
	if rc.Outcome != core.OutcomeNew {
		t.Fatalf("outcome %s, want new", rc.Outcome)
	}
	if p := f.ticket(t, rc.Ticket).Priority; p != core.PriorityNormal {
		t.Fatalf("priority %s, want normal: the command was refused", p)
	}
	notes := f.emails(t, rc.Ticket, core.TemplateCommands)
	if len(notes) != 1 || !strings.Contains(notes[0].Data.Results[0], "not done") {
		t.Fatalf("commands notices %+v, want a refusal", notes)
	}
	cards := f.outbox(t, rc.Ticket)[core.OutboxSlackTicket]
	if len(cards) != 1 || !strings.Contains(string(cards[0].Payload), `"auth_warning":"sender not authenticated (DMARC temperror)"`) {
		t.Fatalf("Slack cards %+v, want one with the warning", cards)
	}
}

// TestTrust_Quarantine: a DMARC p=reject failure never becomes a ticket;
// a temperror is no failure, and "off" checks nothing.
func TestTrust_Quarantine(t *testing.T) {
	f := mustTrustFixture(t)
	ctx := context.Background()
	rc := f.mustReceive(t, withAuth(mail("ann@shop.example", "support@support.example.com", "Pay now", "x"), authReject))
	if rc.Outcome != core.OutcomeQuarantined || rc.Ticket != 0 || !strings.Contains(rc.Refused[0], "p=reject") {
		t.Fatalf("receipt %+v, want quarantined", rc)
	}
	qs, err := f.db.QuarantineList(ctx)
	if err != nil || len(qs) != 1 || !strings.Contains(qs[0].Reason, "shop.example publishes p=reject") {
		t.Fatalf("quarantine %+v, %v", qs, err)
	}
	if rows, _ := f.db.ListTickets(ctx, store.TicketFilter{}); len(rows) != 0 {
		t.Fatalf("%d tickets, want none", len(rows))
	}
	if rc := f.mustReceive(t, withAuth(mail("ann@shop.example", "support@support.example.com", "Pay now", "x"), authRejectTemp)); rc.Outcome != core.OutcomeNew {
		t.Fatalf("temperror: %+v, want a new ticket", rc)
	}
	if rc := f.mustReceive(t, withAuth(mail("ann@shop.example", "lab@support.example.com", "Pay now", "x"), authReject)); rc.Outcome != core.OutcomeNew {
		t.Fatalf("authentication off: %+v, want a new ticket", rc)
	}
}

// TestTrust_Strict: under strict, an unauthenticated mail joins an
// existing ticket only by the reply token; by its subject tag it opens
// a new ticket.
func TestTrust_Strict(t *testing.T) {
	f := mustTrustFixture(t)
	const ann, sales = "ann@shop.example", "sales@support.example.com"
	n := f.mustReceive(t, mail(ann, sales, "Quote", "how much?")).Ticket
	rc := f.mustReceive(t, withAuth(mail(ann, sales, "Re: [#"+itoa(n)+"] Quote", "more"), authNothing))
	if rc.Outcome != core.OutcomeNew || rc.Ticket == n || len(rc.Refused) == 0 {
		t.Fatalf("strict, subject tag, unauthenticated: %+v, want a new ticket", rc)
	}
	tok := token.Sign(secret, n, 1)
	rc = f.mustReceive(t, withAuth(mail(ann, "sales+"+tok+"@support.example.com", "Re: Quote", "more"), authNothing))
	if rc.Outcome != core.OutcomeReply || rc.Ticket != n {
		t.Fatalf("strict, reply token: %+v, want a reply to #%d", rc, n)
	}
	rc = f.mustReceive(t, withAuth(mail(ann, sales, "Re: [#"+itoa(n)+"] Quote", "more"), authDMARCPass))
	if rc.Outcome != core.OutcomeReply || rc.Ticket != n {
		t.Fatalf("strict, authenticated: %+v, want a reply to #%d", rc, n)
	}
}

func TestService_AuthenticationSetting(t *testing.T) {
	_, err := core.NewService(nil, core.Options{Domain: "d.example", Secret: secret,
		Departments: []core.Department{{Name: "support", Addresses: []string{"s@d.example"}, Authentication: "sometimes"}}})
	if err == nil {
		t.Fatal("authentication \"sometimes\" accepted")
	}
}
