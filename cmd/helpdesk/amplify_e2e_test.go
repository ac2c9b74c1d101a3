package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/demo"
)

// quietLog keeps the gateway's log out of the output: the hostile mails
// below would fill it.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// capturedWith returns the captured mails whose text part holds want.
func capturedWith(t *testing.T, env *demo.Env, want string) []demo.CapturedMail {
	t.Helper()
	var out []demo.CapturedMail
	for _, m := range env.Relay.Mail() {
		if _, parts := mustReadMail(t, m.Data); strings.Contains(parts["text/plain"], want) {
			out = append(out, m)
		}
	}
	return out
}

// TestAmplify_CommandFlood: an 850 KB mail of 50,000 #commands, over
// SMTP, is answered within 5 s; ten commands run, and the confirmation
// says in one line that the rest were ignored and stays under 64 KB.
func TestAmplify_CommandFlood(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"

	body := "Please escalate.\r\n" + strings.Repeat("#priority major\r\n", 50000)
	msg := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Checkout page is blank\r\n" +
		"Message-ID: <flood-1@shop.example>\r\n\r\n" + body
	if len(msg) < 800<<10 {
		t.Fatalf("the mail is %d bytes, want about 850 KB", len(msg))
	}
	start := time.Now()
	if err := env.Send("ann@shop.example", []string{support}, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered in %v, want within 5 s", d)
	}
	tickets := mustTickets(t, env)
	if len(tickets) != 1 || tickets[0].Priority != core.PriorityMajor {
		t.Fatalf("tickets %+v, want one of major priority", tickets)
	}
	if !demo.WaitFor(func() bool { return len(capturedWith(t, env, "We received your commands")) == 1 }) {
		t.Fatalf("no confirmation among %d mails", len(env.Relay.Mail()))
	}
	conf := capturedWith(t, env, "We received your commands")[0]
	_, parts := mustReadMail(t, conf.Data)
	if len(conf.Data) >= 64<<10 {
		t.Errorf("the confirmation is %d bytes, want under 64 KB", len(conf.Data))
	}
	text := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n")
	if n := strings.Count(text, "- #priority major"); n != core.DefaultCommandsPerMail {
		t.Errorf("%d results in the confirmation, want %d:\n%s", n, core.DefaultCommandsPerMail, text)
	}
	if !strings.Contains(text, "\n- … and 49,990 more commands were ignored: at most 10 per mail\n") {
		t.Errorf("the confirmation does not say the rest were ignored:\n%q", text)
	}
	t.Logf("850 KB of commands: answered in %v, confirmation %d bytes", time.Since(start).Round(time.Millisecond), len(conf.Data))
	for _, m := range env.Relay.Mail() {
		if len(m.Data) >= 64<<10 {
			t.Errorf("a mail to %v is %d bytes", m.To, len(m.Data))
		}
	}
}

// TestAmplify_LongReferences: a mail with 100,000 ids in References gets
// an acknowledgment whose References keeps the first, the last eight and
// the mail's own, within 5 s (the sender check refuses so long a field
// before DKIM's header reader, which is quadratic in a field's lines).
func TestAmplify_LongReferences(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"
	var refs strings.Builder
	refs.WriteString("References:")
	for i := range 100_000 {
		fmt.Fprintf(&refs, "\r\n <r%d@shop.example>", i)
	}
	msg := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Old thread\r\n" +
		"Message-ID: <refs-1@shop.example>\r\n" + refs.String() + "\r\n\r\nStill broken.\r\n"
	start := time.Now()
	if err := env.Send("ann@shop.example", []string{support}, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered in %v, want within 5 s", d)
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 }) {
		t.Fatalf("%d mails, want the acknowledgment", len(env.Relay.Mail()))
	}
	ack := env.Relay.Mail()[0]
	h, _ := mustReadMail(t, ack.Data)
	ids, err := h.MsgIDList("References")
	if err != nil || len(ids) != core.DefaultReferences || ids[0] != "r0@shop.example" ||
		ids[len(ids)-2] != "r99999@shop.example" || ids[len(ids)-1] != "refs-1@shop.example" {
		t.Fatalf("References %d ids %v (%v), want the first, the last eight and the mail's own", len(ids), ids, err)
	}
	t.Logf("100,000 References: answered in %v, acknowledgment %d bytes", time.Since(start).Round(time.Millisecond), len(ack.Data))
}

// TestAmplify_HundredAttachments: a mail with 100 attachments gets a card
// that a Slack enforcing its documented limits takes, listing what fits
// and summing up the rest; the first core.UploadsPerMessage files are
// uploaded into its thread and a notice there names the rest; and the
// customer's follow-up reaches the card's thread.
func TestAmplify_HundredAttachments(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"
	var b strings.Builder
	b.WriteString("From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Logs attached\r\n" +
		"Message-ID: <att-1@shop.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThe logs of every shop.\r\n")
	for i := range 100 {
		name := fmt.Sprintf("shop-%03d-%s.log", i, strings.Repeat("&<x", 30))
		fmt.Fprintf(&b, "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"%s\"\r\n\r\nlog line %d\r\n", name, i)
	}
	b.WriteString("--b--\r\n")
	if err := env.Send("ann@shop.example", []string{support}, b.String()); err != nil {
		t.Fatalf("send: %v", err)
	}
	if !demo.WaitFor(func() bool { return len(env.Slack.Posts()) == 1 && len(env.Relay.Mail()) == 1 }) {
		t.Fatalf("%d Slack posts (refused: %q), %d mails; want the card and the acknowledgment",
			len(env.Slack.Posts()), env.Slack.Refused(), len(env.Relay.Mail()))
	}
	card := env.Slack.Posts()[0]
	if card.ThreadTS != "" || !strings.Contains(card.Blocks, "shop-000-") || !strings.Contains(card.Blocks, "more attachments") {
		t.Fatalf("card %s, want the attachments listed and summed up", card.Blocks)
	}
	// The card's uploads go into its thread one after the other (a
	// ticket's rows keep their order), each reading the stored mail back:
	// with the race detector on a busy machine, seconds. The follow-up
	// is queued behind them, so they are waited for first.
	uploads := time.Now()
	for {
		c, err := env.App.DB.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.OutboxPending == 0 {
			break
		}
		if time.Since(uploads) > time.Minute {
			t.Fatalf("the outbox still has %d rows pending a minute after the card", c.OutboxPending)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the card's uploads went out in %v", time.Since(uploads).Round(time.Millisecond))
	posts := env.Slack.Posts()
	if len(posts) != 2 || posts[1].ThreadTS != card.TS || !strings.Contains(posts[1].Text+posts[1].Blocks, "80 more attachments") {
		t.Fatalf("Slack posts %+v, want the card and a notice in its thread naming the 80 files not uploaded", posts)
	}
	h, _ := mustReadMail(t, env.Relay.Mail()[0].Data)
	subject, _ := h.Subject()
	follow := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Re: " + subject + "\r\n" +
		"Message-ID: <att-2@shop.example>\r\n\r\nAnd one more thing.\r\n"
	if err := env.Send("ann@shop.example", []string{support}, follow); err != nil {
		t.Fatalf("follow-up: %v", err)
	}
	if !demo.WaitFor(func() bool { return len(env.Slack.Posts()) == 3 }) {
		t.Fatalf("%d Slack posts (refused: %q), want the follow-up in the thread", len(env.Slack.Posts()), env.Slack.Refused())
	}
	if p := env.Slack.Posts()[2]; p.ThreadTS != card.TS || !strings.Contains(p.Blocks, "And one more thing.") {
		t.Fatalf("follow-up %+v, want it in thread %s", p, card.TS)
	}
	if r := env.Slack.Refused(); len(r) != 0 {
		t.Fatalf("Slack refused %q", r)
	}
}
