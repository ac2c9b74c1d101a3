package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"helpdesk/internal/demo"
	"helpdesk/store"
)

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
	env, err := demo.Start(ctx, dir, log)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer env.Close(ctx)
	p := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }

	p("helpdesk demo: the real pipeline on loopback")
	p("  SMTP in %s · relay (capture) %s · fake Slack %s · database %s\n", env.App.SMTPAddr, env.Relay.Addr, env.Slack.URL(), env.App.Config().Store.Path)

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
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) >= 1 && len(env.Slack.Posts()) >= 1 }) {
		return fmt.Errorf("demo: the acknowledgment or the Slack card did not go out")
	}
	ack := env.Relay.Mail()[0]
	h, err := demo.ReadHeader(ack.Data)
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
	if !demo.WaitFor(func() bool { return len(env.Slack.Posts()) >= 2 }) {
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
	if !demo.WaitFor(func() bool { return poller.State().Processed >= 1 }) {
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
	if err := demo.SlackAnswer(ctx, env, post.Channel, post.TS, p); err != nil {
		return err
	}

	p("\nTicket #1 as `helpdesk ticket show 1` prints it:\n")
	if err := ticketShow(ctx, env.App.DB, 1, false, stdout); err != nil {
		return err
	}
	if *keep {
		p("\ndatabase kept at %s", env.App.Config().Store.Path)
	}
	return nil
}
