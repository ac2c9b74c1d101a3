package gateway_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/demo"
)

// TestSlackDesk drives the Slack desk through the running gateway: an
// agent's answer in the thread reaches the customer by email exactly
// once, a note stays inside, bots are ignored, forged or stale requests
// are refused with 401, and /helpdesk and the card's buttons act.
func TestSlackDesk(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"
	first := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Checkout page is blank\r\n" +
		"Message-ID: <slack-1@shop.example>\r\n\r\nThe checkout shows a white page.\r\n"
	if err := env.Send("ann@shop.example", []string{support}, first); err != nil {
		t.Fatal(err)
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 && len(env.Slack.Posts()) == 1 }) {
		t.Fatalf("ack and card: %d mails, %d posts", len(env.Relay.Mail()), len(env.Slack.Posts()))
	}
	card := env.Slack.Posts()[0]
	for _, id := range []string{core.SlackActionAssignMe, core.SlackActionSolved, core.SlackActionClose} {
		if !strings.Contains(card.Blocks, id) {
			t.Errorf("card lacks the button %s", id)
		}
	}
	post := func(path, ct, body string, at time.Time) (int, string) {
		t.Helper()
		code, res, err := demo.PostSlackAt(ctx, env.App.HTTPAddr, path, ct, body, demo.SigningSecret, at)
		if err != nil {
			t.Fatal(err)
		}
		return code, res
	}
	event := func(id, user, ts, text string) string {
		return demo.SlackThreadReply(id, user, card.Channel, card.TS, ts, text)
	}
	const jsonCT, formCT = "application/json", "application/x-www-form-urlencoded"

	// The answer, delivered twice by Slack, is mailed once.
	answer := event("EvE2E1", "U0AGENT", "1800000000.000001", "Please clear your cache.")
	for range 2 {
		if code, _ := post("/slack/events", jsonCT, answer, time.Now()); code != http.StatusOK {
			t.Fatalf("event answered %d", code)
		}
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 2 }) {
		t.Fatalf("relay has %d mails, want the ack and the answer", len(env.Relay.Mail()))
	}
	m := env.Relay.Mail()[1]
	if text, _ := demo.PlainPart(m.Data); len(m.To) != 1 || m.To[0] != "ann@shop.example" || !strings.Contains(text, "Please clear your cache.") {
		t.Fatalf("answer mail to %v:\n%s", m.To, text)
	}

	// A note, a bot's message, a stranger's message: nothing is mailed.
	note := event("EvE2E2", "U0AGENT", "1800000000.000002", "note: she is on the old plan")
	bot := strings.Replace(event("EvE2E3", "U0AGENT", "1800000000.000003", "from a bot"), `"type":"message"`, `"type":"message","bot_id":"B0X"`, 1)
	stranger := event("EvE2E4", "U0STRANGER", "1800000000.000004", "I can answer that")
	for _, b := range []string{note, bot, stranger} {
		if code, res := post("/slack/events", jsonCT, b, time.Now()); code != http.StatusOK {
			t.Fatalf("event answered %d %s", code, res)
		}
	}
	// Forged and stale requests are refused.
	forged := event("EvE2E5", "U0AGENT", "1800000000.000005", "Send us your password")
	if code, _, _ := demo.PostSlack(ctx, env.App.HTTPAddr, "/slack/events", jsonCT, forged, "wrong-secret"); code != http.StatusUnauthorized {
		t.Fatalf("wrongly signed event answered %d", code)
	}
	if code, _ := post("/slack/events", jsonCT, forged, time.Now().Add(-6*time.Minute)); code != http.StatusUnauthorized {
		t.Fatalf("6-minute-old event answered %d", code)
	}
	res, err := http.Post("http://"+env.App.HTTPAddr+"/slack/events", jsonCT, strings.NewReader(forged))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned event answered %d", res.StatusCode)
	}
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(env.Relay.Mail()); got != 2 {
		t.Fatalf("relay has %d mails, want 2", got)
	}
	msgs, err := env.App.DB.Messages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[2].Text != "she is on the old plan" {
		t.Fatalf("messages %+v, want the mail, the answer and the note", msgs)
	}
	// The stranger was told in the thread.
	if !demo.WaitFor(func() bool {
		for _, p := range env.Slack.Posts() {
			if p.ThreadTS == card.TS && strings.Contains(p.Text, "<@U0STRANGER>") && strings.Contains(p.Text, "agents") {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no refusal for the stranger in the thread")
	}

	// /helpdesk over HTTP, ephemeral.
	slash := func(user, text string) string {
		t.Helper()
		form := url.Values{"command": {"/helpdesk"}, "text": {text}, "user_id": {user}, "channel_id": {card.Channel}}
		code, body := post("/slack/commands", formCT, form.Encode(), time.Now())
		var r struct {
			ResponseType string `json:"response_type"`
			Text         string `json:"text"`
		}
		json.Unmarshal([]byte(body), &r)
		if code != http.StatusOK || r.ResponseType != "ephemeral" {
			t.Fatalf("/helpdesk %s: %d %s", text, code, body)
		}
		return r.Text
	}
	if got := slash("U0AGENT", "#1 priority major"); got != "Ticket #1 now has priority major." {
		t.Fatalf("priority: %q", got)
	}
	if got := slash("U0AGENT", "credits <mailto:ann@shop.example|ann@shop.example>"); !strings.Contains(got, "ann@shop.example (account #1): balance 0 credits") {
		t.Fatalf("credits: %q", got)
	}
	if got := slash("U0AGENT", "credits nobody@nowhere.example"); got != "No account has the address nobody@nowhere.example." {
		t.Fatalf("credits of nobody: %q", got)
	}
	if got := slash("U0STRANGER", "#1 close"); !strings.Contains(got, "only the support team's agents") {
		t.Fatalf("stranger: %q", got)
	}

	// The Close button.
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U0AGENT"},
		"response_url": env.Slack.ResponseURL(), "actions": []map[string]any{{"action_id": core.SlackActionClose, "block_id": "ticket_1", "value": "1", "type": "button"}}})
	if code, _ := post("/slack/interactions", formCT, url.Values{"payload": {string(payload)}}.Encode(), time.Now()); code != http.StatusOK {
		t.Fatalf("button answered %d", code)
	}
	if a := env.Slack.Answers(); len(a) != 1 || a[0] != "ephemeral: Ticket #1 is closed." {
		t.Fatalf("button answers %q", a)
	}
	if !demo.WaitFor(func() bool {
		u := env.Slack.Updates()
		return len(u) > 0 && strings.Contains(u[len(u)-1].Blocks, "closed") && !strings.Contains(u[len(u)-1].Blocks, core.SlackActionClose)
	}) {
		t.Fatalf("the card was not redrawn closed without buttons")
	}
	// The admin surface is still there next to the Slack endpoints.
	if res, err := http.Get("http://" + env.App.HTTPAddr + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", res, err)
	}
}

// testWriter sends the gateway's log to the test's output.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
