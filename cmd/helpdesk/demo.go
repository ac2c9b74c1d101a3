package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/store"
)

// demoEnv is the gateway running on loopback with its stand-ins: the
// capture relay and the fake Slack. The end-to-end tests use it too.
type demoEnv struct {
	App   *App
	Relay *captureRelay
	Slack *fakeSlack
	IMAP  *memIMAP
	dir   string
}

func startDemoEnv(ctx context.Context, dir string, log *slog.Logger) (*demoEnv, error) {
	relay, err := startCaptureRelay()
	if err != nil {
		return nil, err
	}
	slack := startFakeSlack()
	mbox, err := startMemIMAP("support", "secret")
	if err != nil {
		relay.Close()
		slack.Close()
		return nil, err
	}
	cfg := DefaultConfig()
	cfg.IMAP = []IMAPConfig{{Name: "mailbox", Address: mbox.Addr, Username: "support", Password: "secret"}}
	cfg.Store.Path = filepath.Join(dir, "helpdesk.db")
	cfg.SMTP.Listen = "127.0.0.1:0"
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Mail.Relay = relay.Addr
	cfg.Mail.From = "Example Support <support@support.example.com>"
	cfg.Slack.Token = "xoxb-demo"
	// Commands such as `sweep` write outbox rows from another process;
	// the worker picks them up at its next poll.
	cfg.Outbox.PollInterval = Duration{100 * time.Millisecond}
	cfg.Departments["support"] = DepartmentConfig{SlackChannel: "C0SUPPORT", Heads: []string{"U0HEAD"}}
	cfg.Slack.APIURL = slack.URL()
	cfg.Slack.SigningSecret = demoSigningSecret
	cfg.Agents = []AgentConfig{{ID: "U0AGENT", Name: "Dana", Email: "dana@support.example.com", Departments: []string{"support"}}}
	cfg.fillDepartmentAddresses()
	cfg.fillIMAPDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	app, err := NewApp(ctx, cfg, log, nil)
	if err == nil {
		err = app.Start(ctx)
	}
	if err != nil {
		relay.Close()
		slack.Close()
		mbox.Close()
		return nil, err
	}
	return &demoEnv{App: app, Relay: relay, Slack: slack, IMAP: mbox, dir: dir}, nil
}

func (d *demoEnv) Close(ctx context.Context) error {
	err := d.App.Shutdown(ctx)
	d.Relay.Close()
	d.Slack.Close()
	d.IMAP.Close()
	return err
}

// Send delivers one mail to the gateway's SMTP listener, like a relay
// would, and returns its answer (nil for 250).
func (d *demoEnv) Send(from string, to []string, msg string) error {
	c, err := gosmtp.Dial(d.App.SMTPAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mx.customer.example"); err != nil {
		return err
	}
	if err := c.SendMail(from, to, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// waitFor polls cond until it holds or five seconds pass. The outbox
// worker runs on its own goroutine, woken when a mail commits.
func waitFor(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "show the gateway's log")
	keep := fs.Bool("keep", false, "keep the demo's database and print where it is")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "helpdesk-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	env, err := startDemoEnv(ctx, dir, log)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer env.Close(ctx)
	p := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }

	p("helpdesk demo: the real pipeline on loopback")
	p("  SMTP in %s · relay (capture) %s · fake Slack %s · database %s\n", env.App.SMTPAddr, env.Relay.Addr, env.Slack.URL(), env.App.cfg.Store.Path)

	// 1. A new request.
	first := "From: Ann Example <ann@shop.example>\r\nTo: support@support.example.com\r\n" +
		"Subject: Checkout page is blank\r\nMessage-ID: <demo-1@shop.example>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hello,\r\n\r\nsince this morning our checkout page shows nothing but a white screen.\r\nCan you help?\r\n\r\nAnn\r\n"
	p("1. ann@shop.example writes to support@ (a new request)")
	if err := env.Send("ann@shop.example", []string{"support@support.example.com"}, first); err != nil {
		return fmt.Errorf("send first mail: %w", err)
	}
	p("   SMTP: 250 accepted (after the ticket was committed)")
	if !waitFor(func() bool { return len(env.Relay.Mail()) >= 1 && len(env.Slack.Posts()) >= 1 }) {
		return fmt.Errorf("demo: the acknowledgment or the Slack card did not go out")
	}
	ack := env.Relay.Mail()[0]
	h, err := readHeader(ack.Data)
	if err != nil {
		return err
	}
	ackID, _ := h.MessageID()
	subject, _ := h.Subject()
	rt, err := h.AddressList("Reply-To")
	if err != nil || len(rt) != 1 {
		return fmt.Errorf("demo: acknowledgment has Reply-To %q", h.Get("Reply-To"))
	}
	replyTo := rt[0].Address
	p("   ticket #1 opened: status submitted, department support, new presales account for ann@shop.example")
	p("   acknowledgment mailed to %s", strings.Join(ack.To, ", "))
	p("     Subject:  %s", subject)
	p("     Reply-To: %s", replyTo)
	p("     %s, %s", h.Get("Content-Type")[:strings.Index(h.Get("Content-Type")+";", ";")], "Auto-Submitted: "+h.Get("Auto-Submitted"))
	post := env.Slack.Posts()[0]
	p("   Slack: ticket card posted in %s (ts %s)", post.Channel, post.TS)

	// 2. Her reply, with the quoted history her mail client adds.
	reply := "From: Ann Example <ann@shop.example>\r\nTo: " + replyTo + "\r\n" +
		"Subject: Re: " + subject + "\r\nMessage-ID: <demo-2@shop.example>\r\nIn-Reply-To: <" + ackID + ">\r\n" +
		"References: <demo-1@shop.example> <" + ackID + ">\r\n\r\n" +
		"It only happens with PayPal selected.\r\n\r\n" +
		"On Mon, 23 Nov 2026 at 10:00, Example Support <support@support.example.com> wrote:\r\n" +
		"> We received your request as ticket #1.\r\n> Reply to this mail to add information.\r\n"
	p("\n2. Ann replies to the acknowledgment (her client quotes it)")
	if err := env.Send("ann@shop.example", []string{replyTo}, reply); err != nil {
		return fmt.Errorf("send reply: %w", err)
	}
	if !waitFor(func() bool { return len(env.Slack.Posts()) >= 2 }) {
		return fmt.Errorf("demo: the reply was not posted to Slack")
	}
	msgs, err := env.App.DB.Messages(ctx, 1)
	if err != nil {
		return err
	}
	last := msgs[len(msgs)-1]
	p("   SMTP: 250 · matched ticket #%d by its reply address · stored text: %q", last.Ticket, last.Text)
	p("   quoted history cut and kept aside (%d lines); the raw mail is stored as it came", strings.Count(last.Quoted, "\n")+1)
	p("   Slack: posted in the ticket's thread (thread_ts %s)", env.Slack.Posts()[1].ThreadTS)

	// 3. An out-of-office answer: stored, never answered.
	auto := "From: Ann Example <ann@shop.example>\r\nTo: " + replyTo + "\r\n" +
		"Subject: Out of office: " + subject + "\r\nMessage-ID: <demo-3@shop.example>\r\n" +
		"Auto-Submitted: auto-replied\r\nIn-Reply-To: <" + ackID + ">\r\n\r\nI am away until Monday.\r\n"
	p("\n3. Ann's mail server sends an out-of-office reply")
	if err := env.Send("", []string{replyTo}, auto); err != nil {
		return fmt.Errorf("send auto-reply: %w", err)
	}
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		return err
	}
	p("   SMTP: 250 · stored on ticket #1 as automatic · nothing mailed (%d mail in total), nothing posted (%d Slack posts)",
		len(env.Relay.Mail()), len(env.Slack.Posts()))

	// 4. The first mail again, as a relay retrying after a lost 250.
	p("\n4. The first mail arrives a second time (a relay retrying)")
	if err := env.Send("ann@shop.example", []string{"support@support.example.com"}, first); err != nil {
		return fmt.Errorf("send duplicate: %w", err)
	}
	rows, err := env.App.DB.ListTickets(ctx, store.TicketFilter{})
	if err != nil {
		return err
	}
	p("   SMTP: 250 · recognised as a duplicate · still %d ticket", len(rows))

	// 5. Mail fetched from a mailbox over IMAP.
	p("\n5. bob@another.example writes to the support mailbox, which the gateway polls over IMAP")
	bob := "From: Bob <bob@another.example>\r\nTo: support@support.example.com\r\n" +
		"Subject: =?utf-8?q?Rechnung_f=C3=BCr_November?=\r\nMessage-ID: <demo-5@another.example>\r\n" +
		"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Gr=FC=DFe, wo finde ich die Rechnung?\r\n"
	if err := env.IMAP.Deliver(bob); err != nil {
		return err
	}
	poller := env.App.Pollers[0]
	if !waitFor(func() bool { return poller.State().Processed >= 1 }) {
		return fmt.Errorf("demo: the IMAP poller did not take the mail (state %+v)", poller.State())
	}
	rows, err = env.App.DB.ListTickets(ctx, store.TicketFilter{})
	if err != nil {
		return err
	}
	st := poller.State()
	p("   fetched with BODY.PEEK[] (state %s), committed as ticket #%d %q, then marked \\Seen; cursor UIDVALIDITY %d, last UID %d",
		st.State, rows[0].Number, rows[0].Subject, st.UIDValidity, st.LastUID)

	// 6. An agent answers in the ticket's Slack thread.
	if err := demoSlackAnswer(ctx, env, post.Channel, post.TS, p); err != nil {
		return err
	}

	p("\nTicket #1 as `helpdesk ticket show 1` prints it:\n")
	if err := ticketShow(ctx, env.App.DB, 1, false, stdout); err != nil {
		return err
	}
	if *keep {
		p("\ndatabase kept at %s", env.App.cfg.Store.Path)
	}
	return nil
}

func readHeader(raw []byte) (*gomail.Header, error) {
	r, err := gomail.CreateReader(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("read captured mail: %w", err)
	}
	return &r.Header, nil
}
