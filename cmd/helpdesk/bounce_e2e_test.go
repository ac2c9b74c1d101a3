package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/internal/demo"
)

// postfixReport is a delivery report as Postfix writes it: to the
// returned mail's envelope sender, naming rcpt as failed for good, with
// the returned mail's header section.
func postfixReport(to, rcpt string, returned []byte) string {
	header, _, _ := bytes.Cut(returned, []byte("\r\n\r\n"))
	return strings.ReplaceAll(fmt.Sprintf(`From: MAILER-DAEMON@mx.shop.example (Mail Delivery System)
To: %[1]s
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
Message-Id: <%[4]s@mx.shop.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="4F1A2.1765016100/mx.shop.example"

This is a MIME-encapsulated message.

--4F1A2.1765016100/mx.shop.example
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.shop.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<%[2]s>: host mx.shop.example said: 550 5.1.1 <%[2]s>: Recipient address
    rejected: User unknown in local recipient table

--4F1A2.1765016100/mx.shop.example
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.shop.example
X-Postfix-Queue-ID: 4F1A2
X-Postfix-Sender: rfc822; %[1]s

Final-Recipient: rfc822; %[2]s
Original-Recipient: rfc822;%[2]s
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <%[2]s>: Recipient address rejected: User
    unknown in local recipient table

--4F1A2.1765016100/mx.shop.example
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

%[3]s
--4F1A2.1765016100/mx.shop.example--
`, to, rcpt, strings.ReplaceAll(string(header), "\r\n", "\n"), reportID(to)), "\n", "\r\n")
}

// reportID makes a report's Message-ID from where it goes.
func reportID(to string) string {
	return strings.NewReplacer("+", ".", "@", ".").Replace(to)
}

// TestBounce_EndToEnd: over real SMTP, bounces prove themselves
// (docs/rules.md §6):
//
//   - every mail leaves from its own signed return path, which it does
//     not name itself;
//   - a stranger's report naming Ann, even quoting her mail's headers,
//     and one to a forged return path change nothing: her next answer
//     is mailed;
//   - the real report of that answer, back at its return path, marks
//     her bouncing and tells the department;
//   - an answer to her then is recorded but not mailed, and says so in
//     the CLI, and in the Slack thread when given in Slack.
func TestBounce_EndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close(ctx) })
	p := &peopleEnv{t: t, env: env, dbEnv: []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}}
	bouncing := func() bool {
		t.Helper()
		var v struct{ Bouncing bool }
		if err := json.Unmarshal([]byte(p.cli("profile", "show", annAddr, "--json")), &v); err != nil {
			t.Fatal(err)
		}
		return v.Bouncing
	}
	mailAt := func(n int) demo.CapturedMail {
		t.Helper()
		if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) > n }) {
			t.Fatalf("relay has %d mails, want mail %d", len(env.Relay.Mail()), n+1)
		}
		return env.Relay.Mail()[n]
	}

	if err := env.Send(annAddr, []string{support}, "From: Ann <ann@shop.example>\r\nTo: "+support+
		"\r\nSubject: Checkout is blank\r\nMessage-ID: <a1@shop.example>\r\n\r\nWhite page since this morning.\r\n"); err != nil {
		t.Fatal(err)
	}
	ack := mailAt(0)
	if !strings.HasPrefix(ack.From, "bounces+") || !strings.HasSuffix(ack.From, "@support.example.com") ||
		strings.Join(ack.To, ",") != annAddr {
		t.Fatalf("acknowledgment's envelope %s -> %v, want its own bounce address -> Ann", ack.From, ack.To)
	}
	if bytes.Contains(ack.Data, []byte("Return-Path")) || bytes.Contains(ack.Data, []byte(ack.From)) {
		t.Fatalf("the acknowledgment names its return path:\n%s", ack.Data)
	}

	// Forged: a stranger's report to the department, quoting the
	// acknowledgment's headers; and one to a return path it made up.
	if err := env.Send("", []string{support}, postfixReport(support, annAddr, ack.Data)); err != nil {
		t.Fatalf("forged report: %v", err)
	}
	forgedPath := strings.Replace(ack.From, "+", "+a", 1)
	var se *gosmtp.SMTPError
	if err := env.Send("", []string{forgedPath}, postfixReport(forgedPath, annAddr, ack.Data)); !errors.As(err, &se) || se.Code != 550 {
		t.Fatalf("report to a forged return path: %v, want 550", err)
	}
	if bouncing() {
		t.Fatal("a forged report marked Ann bouncing")
	}
	if out := p.cli("ticket", "act", "1", "reply", "Please clear the cache.", "--agent", "U0AGENT"); !strings.Contains(out, "answer sent to the customer of ticket #1") {
		t.Fatalf("answer after the forged report: %q", out)
	}
	answer := mailAt(1)

	// The real report of the answer comes back to its return path.
	if err := env.Send("", []string{answer.From}, postfixReport(answer.From, annAddr, answer.Data)); err != nil {
		t.Fatalf("real report: %v", err)
	}
	if !bouncing() {
		t.Fatal("the report of our own answer did not mark Ann bouncing")
	}
	if !demo.WaitFor(func() bool { return slackSays(env, false, "ann@shop.example (5.1.1) bounced") }) {
		t.Fatalf("the department was not told; Slack has %+v", env.Slack.Posts())
	}

	// Answers are recorded, not mailed, and say so where the agent acted.
	out := p.cli("ticket", "act", "1", "reply", "Did that help?", "--agent", "U0AGENT")
	if !strings.Contains(out, "answer recorded on ticket #1 but not mailed to ann@shop.example (bouncing since ") ||
		!strings.Contains(out, "5.1.1") {
		t.Fatalf("ticket act reply says %q", out)
	}
	card := firstCard(t, env)
	body := demo.SlackThreadReply("Ev0BOUNCE1", "U0AGENT", card.Channel, card.TS, "1800000000.000200", "Anything else?")
	if code, _, err := demo.PostSlack(ctx, env.App.HTTPAddr, "/slack/events", "application/json", body, demo.SigningSecret); err != nil || code != http.StatusOK {
		t.Fatalf("Slack event: %d %v", code, err)
	}
	if !demo.WaitFor(func() bool { return countSays(env, "not mailed to ann@shop.example") == 2 }) {
		t.Fatalf("the thread does not say twice that an answer was not mailed; Slack has %+v", env.Slack.Posts())
	}
	if n, err := env.App.Worker.Drain(ctx); err != nil || len(env.Relay.Mail()) != 2 {
		t.Fatalf("relay has %d mails after draining %d rows (%v), want the 2 before the bounce", len(env.Relay.Mail()), n, err)
	}
}

// firstCard is the ticket card, the parent of the ticket's thread.
func firstCard(t *testing.T, env *demo.Env) demo.SlackPost {
	t.Helper()
	for _, p := range env.Slack.Posts() {
		if p.ThreadTS == "" && strings.Contains(p.Text+p.Blocks, "#1") {
			return p
		}
	}
	t.Fatalf("no ticket card in %+v", env.Slack.Posts())
	return demo.SlackPost{}
}

// slackSays reports whether a post (in a thread, or in the channel) says s.
func slackSays(env *demo.Env, inThread bool, s string) bool {
	for _, p := range env.Slack.Posts() {
		if (p.ThreadTS != "") == inThread && strings.Contains(p.Text+p.Blocks, s) {
			return true
		}
	}
	return false
}

// countSays counts the thread posts that say s.
func countSays(env *demo.Env, s string) int {
	n := 0
	for _, p := range env.Slack.Posts() {
		if p.ThreadTS != "" && strings.Contains(p.Text, s) {
			n++
		}
	}
	return n
}
