package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/internal/demo"
)

// mustPolicyEnv runs the gateway with support quarantining unknown
// senders and sales rejecting them.
func mustPolicyEnv(t *testing.T) *demo.Env {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	env, err := demo.StartWith(ctx, t.TempDir(), log, func(c *gateway.Config) {
		sup := c.Departments["support"]
		sup.UnknownSender = "quarantine"
		c.Departments["support"] = sup
		c.Departments["sales"] = gateway.DepartmentConfig{SlackChannel: "C0SALES", UnknownSender: "reject"}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close(ctx) })
	return env
}

// TestUnknownSender_EndToEnd pins docs/rules.md §1 over SMTP: a stranger
// writing to sales is refused with 550; one writing to support is held,
// shown in Slack with Accept and Reject, and accepting it from Slack
// opens the ticket and acknowledges it.
func TestUnknownSender_EndToEnd(t *testing.T) {
	env := mustPolicyEnv(t)
	ctx := context.Background()
	const support, sales = "support@support.example.com", "sales@support.example.com"

	err := env.Send("eve@stranger.example", []string{sales}, "From: Eve <eve@stranger.example>\r\nTo: "+sales+
		"\r\nSubject: Offer\r\nMessage-ID: <rej-1@stranger.example>\r\n\r\nBuy our stuff.\r\n")
	var se *gosmtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || !strings.Contains(se.Message, "unknown senders") {
		t.Fatalf("stranger to sales: %v, want 550 with the reason", err)
	}

	if err := env.Send("bob@new.example", []string{support}, "From: Bob <bob@new.example>\r\nTo: "+support+
		"\r\nSubject: Help please\r\nMessage-ID: <held-1@new.example>\r\n\r\nOur shop is down.\r\n"); err != nil {
		t.Fatalf("stranger to support: %v", err)
	}
	if got := len(mustTickets(t, env)); got != 0 {
		t.Fatalf("%d tickets after a held mail, want 0", got)
	}
	if !demo.WaitFor(func() bool { return len(env.Slack.Posts()) == 1 }) {
		t.Fatalf("Slack has %d posts, want the held mail's notice", len(env.Slack.Posts()))
	}
	post := env.Slack.Posts()[0]
	if post.Channel != "C0SUPPORT" || !strings.Contains(post.Blocks, core.SlackActionAcceptHeld) ||
		!strings.Contains(post.Blocks, core.SlackActionRejectHeld) || !strings.Contains(post.Text, "bob@new.example") {
		t.Fatalf("held notice %+v", post)
	}
	if got := len(env.Relay.Mail()); got != 0 {
		t.Fatalf("%d mails to a held stranger", got)
	}
	qs, err := env.App.DB.QuarantineList(ctx)
	if err != nil || len(qs) != 1 {
		t.Fatalf("quarantine %+v, %v", qs, err)
	}

	press(t, env, core.SlackActionAcceptHeld, qs[0].ID)
	if a := env.Slack.Answers(); len(a) != 1 || !strings.Contains(a[0], "opened ticket #1") {
		t.Fatalf("button answers %q", a)
	}
	tickets := mustTickets(t, env)
	if len(tickets) != 1 || tickets[0].Email != "bob@new.example" {
		t.Fatalf("tickets after accepting %+v", tickets)
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 }) {
		t.Fatalf("relay has %d mails, want the acknowledgment", len(env.Relay.Mail()))
	}
	if m := env.Relay.Mail()[0]; m.To[0] != "bob@new.example" {
		t.Fatalf("acknowledgment to %v", m.To)
	}
	press(t, env, core.SlackActionAcceptHeld, qs[0].ID)
	if a := env.Slack.Answers(); len(a) != 2 || !strings.Contains(a[1], "not waiting") {
		t.Fatalf("second press answered %q", a)
	}
}

// press sends the interaction of an agent pressing a held mail's button.
func press(t *testing.T, env *demo.Env, action string, id int64) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U0AGENT"},
		"response_url": env.Slack.ResponseURL(), "actions": []map[string]any{{"action_id": action,
			"block_id": "held", "value": strconv.FormatInt(id, 10), "type": "button"}}})
	code, _, err := demo.PostSlackAt(context.Background(), env.App.HTTPAddr, "/slack/interactions",
		"application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode(), demo.SigningSecret, time.Now())
	if err != nil || code != http.StatusOK {
		t.Fatalf("button: %d %v", code, err)
	}
}
