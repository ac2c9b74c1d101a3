package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"helpdesk/internal/demo"
)

// TestLifecycle drives a ticket through its life by email commands and
// agent actions, over the real protocols, and checks the mails and Slack
// posts each step produces (docs/rules.md §2–§4, §6).
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"
	dbEnv := []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}
	cli := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Run(ctx, args, &out, io.Discard, dbEnv); err != nil {
			t.Fatalf("helpdesk %s: %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	mails := func(n int) []demo.CapturedMail {
		t.Helper()
		if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) >= n }) {
			t.Fatalf("relay has %d mails, want %d", len(env.Relay.Mail()), n)
		}
		return env.Relay.Mail()
	}
	lastText := func(n int) string {
		t.Helper()
		_, parts := mustReadMail(t, mails(n)[n-1].Data)
		return parts["text/plain"]
	}

	// 1. The customer opens a ticket asking for major priority.
	send := func(subject, body string) {
		t.Helper()
		msg := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: " + subject + "\r\n" +
			"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "." + time.Now().Format("150405.000000") + "@shop.example>\r\n\r\n" + body
		if err := env.Send("ann@shop.example", []string{support}, msg); err != nil {
			t.Fatalf("send %q: %v", subject, err)
		}
	}
	send("Checkout is blank", "The checkout page is white.\r\n#priority major\r\n")
	// The acknowledgment and the commands notice.
	mails(2)
	if got := lastText(2); !strings.Contains(got, "#priority major") || !strings.Contains(got, "done") {
		t.Fatalf("commands notice:\n%s", got)
	}
	if out := cli("ticket", "show", "1"); !strings.Contains(out, "priority major") {
		t.Fatalf("ticket show:\n%s", out)
	}

	// 2. An agent takes it and answers: the customer gets the answer.
	cli("ticket", "act", "1", "assign", "U0AGENT", "--agent", "U0AGENT")
	if got := lastText(3); !strings.Contains(strings.ToLower(got), "assigned") && !strings.Contains(got, "engineer") {
		t.Fatalf("assignment notice:\n%s", got)
	}
	cli("ticket", "act", "1", "reply", "Please clear the cache and try again.", "--agent", "U0AGENT")
	if got := lastText(4); !strings.Contains(got, "Please clear the cache") {
		t.Fatalf("staff answer mail:\n%s", got)
	}
	if !demo.WaitFor(func() bool {
		for _, p := range env.Slack.Posts() {
			if strings.Contains(p.Text+p.Blocks, "Please clear the cache") {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the staff answer is not in the Slack thread")
	}
	if out := cli("ticket", "show", "1"); !strings.Contains(out, "status in_progress") {
		t.Fatalf("after the answer:\n%s", out)
	}

	// 3. Marked solved; five idle days later the sweep pre-closes it.
	cli("ticket", "act", "1", "solved", "--agent", "U0AGENT")
	at := time.Now().Add(5*24*time.Hour + time.Hour).UTC().Format(time.RFC3339)
	if out := cli("sweep", "--at", at); !strings.Contains(out, "1 pre-closed") {
		t.Fatalf("sweep: %s", out)
	}
	if got := lastText(5); !strings.Contains(got, "3 days") {
		t.Fatalf("pre-close notice:\n%s", got)
	}

	// 4. The customer closes it by command and rates it with a comment.
	send("Re: [#1] Checkout is blank", "#close\r\n")
	if got := lastText(6); !strings.Contains(got, "#close") {
		t.Fatalf("close confirmation:\n%s", got)
	}
	send("Re: [#1] Checkout is blank", "#rate 2 took too long\r\n")
	if got := lastText(7); !strings.Contains(got, "rated 2/5") {
		t.Fatalf("rating confirmation:\n%s", got)
	}
	out := cli("ticket", "show", "1")
	if !strings.Contains(out, "status closed") || !strings.Contains(out, "rated 2/5") {
		t.Fatalf("after close and rate:\n%s", out)
	}
	// The low rating reached the department's heads, and the card shows
	// the closed status.
	if !demo.WaitFor(func() bool {
		for _, p := range env.Slack.Posts() {
			if strings.Contains(p.Text, "<@U0HEAD>") && strings.Contains(p.Text, "took too long") {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no notice to the heads among %d posts", len(env.Slack.Posts()))
	}
	if !demo.WaitFor(func() bool {
		u := env.Slack.Updates()
		return len(u) > 0 && strings.Contains(u[len(u)-1].Blocks, "closed")
	}) {
		t.Fatalf("the Slack card was not updated to closed (%d updates)", len(env.Slack.Updates()))
	}

	// 5. Bad input is refused with a reason and changes nothing.
	var errOut bytes.Buffer
	if err := Run(ctx, []string{"sweep", "--at", "tomorrow"}, io.Discard, &errOut, dbEnv); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Fatalf("sweep --at tomorrow: %v", err)
	}
	if err := Run(ctx, []string{"ticket", "act", "1", "status", "assigned", "--agent", "U0AGENT"}, io.Discard, io.Discard, dbEnv); err == nil ||
		!strings.Contains(err.Error(), "cannot go from closed to assigned") {
		t.Fatalf("closed → assigned: %v", err)
	}
	send("Re: [#1] Checkout is blank", "#rate 5\r\n#frobnicate\r\n")
	got := lastText(8)
	if !strings.Contains(got, "rated already") || !strings.Contains(got, "#frobnicate") {
		t.Fatalf("refusals:\n%s", got)
	}
}
