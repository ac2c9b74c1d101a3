package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/store"
)

// Story tells the demo's story against a started env, printing each step
// with p: a new request, the customer's reply, an auto-reply, a relay's
// duplicate, a mail fetched over IMAP and an agent's answer from Slack.
// Each step waits for what the gateway does in the background, so a
// broken pipeline fails the story instead of printing a wrong one.
func Story(ctx context.Context, env *Env, p func(string, ...any)) error {
	p("helpdesk demo: the real pipeline on loopback")
	p("  SMTP in %s · relay (capture) %s · fake Slack %s · database %s\n", env.App.SMTPAddr, env.Relay.Addr, env.Slack.URL(), env.App.Config().Store.Path)
	s := &story{ctx: ctx, env: env, p: p}
	for _, step := range []func() error{s.newRequest, s.reply, s.autoReply, s.duplicate, s.imap} {
		if err := step(); err != nil {
			return err
		}
	}
	return slackAnswer(ctx, env, s.card.Channel, s.card.TS, p)
}

// story is what one step leaves for the next: the first mail, which a
// relay sends again in step 4, and what the acknowledgment and the Slack
// card said, which the replies refer to.
type story struct {
	ctx context.Context
	env *Env
	p   func(string, ...any)

	first          string
	ackID, subject string
	replyTo        string
	card           SlackPost
}

// newRequest is step 1: a new request opens a ticket, acknowledged by
// mail and posted to Slack.
func (s *story) newRequest() error {
	env, p := s.env, s.p
	s.first = "From: Ann Example <ann@shop.example>\r\nTo: support@support.example.com\r\n" +
		"Subject: Checkout page is blank\r\nMessage-ID: <demo-1@shop.example>\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hello,\r\n\r\nsince this morning our checkout page shows nothing but a white screen.\r\nCan you help?\r\n\r\nAnn\r\n"
	p("1. ann@shop.example writes to support@ (a new request)")
	if err := env.Send("ann@shop.example", []string{"support@support.example.com"}, s.first); err != nil {
		return fmt.Errorf("send first mail: %w", err)
	}
	p("   SMTP: 250 accepted (after the ticket was committed)")
	if !WaitFor(func() bool { return len(env.Relay.Mail()) >= 1 && len(env.Slack.Posts()) >= 1 }) {
		return fmt.Errorf("demo: the acknowledgment or the Slack card did not go out")
	}
	ack := env.Relay.Mail()[0]
	h, err := readHeader(ack.Data)
	if err != nil {
		return err
	}
	s.ackID, _ = h.MessageID()
	s.subject, _ = h.Subject()
	rt, err := h.AddressList("Reply-To")
	if err != nil || len(rt) != 1 {
		return fmt.Errorf("demo: acknowledgment has Reply-To %q", h.Get("Reply-To"))
	}
	s.replyTo = rt[0].Address
	p("   ticket #1 opened: status submitted, department support, new presales account for ann@shop.example")
	p("   acknowledgment mailed to %s", strings.Join(ack.To, ", "))
	p("     Subject:  %s", s.subject)
	p("     Reply-To: %s", s.replyTo)
	p("     %s, %s", h.Get("Content-Type")[:strings.Index(h.Get("Content-Type")+";", ";")], "Auto-Submitted: "+h.Get("Auto-Submitted"))
	s.card = env.Slack.Posts()[0]
	p("   Slack: ticket card posted in %s (ts %s)", s.card.Channel, s.card.TS)
	return nil
}

// reply is step 2: her reply, with the quoted history her mail client
// adds.
func (s *story) reply() error {
	env, p := s.env, s.p
	reply := "From: Ann Example <ann@shop.example>\r\nTo: " + s.replyTo + "\r\n" +
		"Subject: Re: " + s.subject + "\r\nMessage-ID: <demo-2@shop.example>\r\nIn-Reply-To: <" + s.ackID + ">\r\n" +
		"References: <demo-1@shop.example> <" + s.ackID + ">\r\n\r\n" +
		"It only happens with PayPal selected.\r\n\r\n" +
		"On Mon, 23 Nov 2026 at 10:00, Example Support <support@support.example.com> wrote:\r\n" +
		"> We received your request as ticket #1.\r\n> Reply to this mail to add information.\r\n"
	p("\n2. Ann replies to the acknowledgment (her client quotes it)")
	if err := env.Send("ann@shop.example", []string{s.replyTo}, reply); err != nil {
		return fmt.Errorf("send reply: %w", err)
	}
	if !WaitFor(func() bool { return len(env.Slack.Posts()) >= 2 }) {
		return fmt.Errorf("demo: the reply was not posted to Slack")
	}
	msgs, err := env.App.DB.Messages(s.ctx, 1)
	if err != nil {
		return err
	}
	last := msgs[len(msgs)-1]
	p("   SMTP: 250 · matched ticket #%d by its reply address · stored text: %q", last.Ticket, last.Text)
	p("   quoted history cut and kept aside (%d lines); the raw mail is stored as it came", strings.Count(last.Quoted, "\n")+1)
	p("   Slack: posted in the ticket's thread (thread_ts %s)", env.Slack.Posts()[1].ThreadTS)
	return nil
}

// autoReply is step 3: an out-of-office answer is stored, never
// answered.
func (s *story) autoReply() error {
	env, p := s.env, s.p
	auto := "From: Ann Example <ann@shop.example>\r\nTo: " + s.replyTo + "\r\n" +
		"Subject: Out of office: " + s.subject + "\r\nMessage-ID: <demo-3@shop.example>\r\n" +
		"Auto-Submitted: auto-replied\r\nIn-Reply-To: <" + s.ackID + ">\r\n\r\nI am away until Monday.\r\n"
	p("\n3. Ann's mail server sends an out-of-office reply")
	if err := env.Send("", []string{s.replyTo}, auto); err != nil {
		return fmt.Errorf("send auto-reply: %w", err)
	}
	if _, err := env.App.Worker.Drain(s.ctx); err != nil {
		return err
	}
	p("   SMTP: 250 · stored on ticket #1 as automatic · nothing mailed (%d mail in total), nothing posted (%d Slack posts)",
		len(env.Relay.Mail()), len(env.Slack.Posts()))
	return nil
}

// duplicate is step 4: the first mail again, as a relay retrying after
// a lost 250.
func (s *story) duplicate() error {
	s.p("\n4. The first mail arrives a second time (a relay retrying)")
	if err := s.env.Send("ann@shop.example", []string{"support@support.example.com"}, s.first); err != nil {
		return fmt.Errorf("send duplicate: %w", err)
	}
	rows, err := s.env.App.DB.ListTickets(s.ctx, store.TicketFilter{})
	if err != nil {
		return err
	}
	s.p("   SMTP: 250 · recognised as a duplicate · still %d ticket", len(rows))
	return nil
}

// imap is step 5: mail fetched from a mailbox over IMAP.
func (s *story) imap() error {
	env := s.env
	s.p("\n5. bob@another.example writes to the support mailbox, which the gateway polls over IMAP")
	bob := "From: Bob <bob@another.example>\r\nTo: support@support.example.com\r\n" +
		"Subject: =?utf-8?q?Rechnung_f=C3=BCr_November?=\r\nMessage-ID: <demo-5@another.example>\r\n" +
		"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Gr=FC=DFe, wo finde ich die Rechnung?\r\n"
	if err := env.IMAP.Deliver(bob); err != nil {
		return err
	}
	poller := env.App.Pollers[0]
	if !WaitFor(func() bool { return poller.State().Processed >= 1 }) {
		return fmt.Errorf("demo: the IMAP poller did not take the mail (state %+v)", poller.State())
	}
	rows, err := env.App.DB.ListTickets(s.ctx, store.TicketFilter{})
	if err != nil {
		return err
	}
	st := poller.State()
	s.p("   fetched with BODY.PEEK[] (state %s), committed as ticket #%d %q, then marked \\Seen; cursor UIDVALIDITY %d, last UID %d",
		st.State, rows[0].Number, rows[0].Subject, st.UIDValidity, st.LastUID)
	return nil
}
