package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
)

// TestCommands_ReplyWith: /helpdesk #N reply-with NAME shows the agent a
// preview with Send and Cancel and sends nothing; Cancel drops it, Send
// answers through reply-with, and each replaces the preview
// (docs/rules.md §7).
func TestCommands_ReplyWith(t *testing.T) {
	ctx := context.Background()
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	if _, err := env.svc.AddReplyTemplate(ctx, "fixed", "Hello {{customer_name}}, ticket {{ticket}} is fixed. <b>{{agent}}</b>", "admin"); err != nil {
		t.Fatal(err)
	}

	body := env.slashRaw(t, "U0AGENT", "#1 reply-with FIXED")
	if body.ResponseType != "ephemeral" || len(body.Blocks) != 3 {
		t.Fatalf("preview: %+v", body)
	}
	blocks, _ := json.Marshal(body.Blocks)
	for _, want := range []string{"Hello Ann, ticket 1 is fixed. \u0026lt;b\u0026gt;Dana", core.SlackActionReplySend, core.SlackActionReplyCancel, `"1 fixed"`} {
		if !strings.Contains(strings.ReplaceAll(string(blocks), `\u0026`, "&"), strings.ReplaceAll(want, "\u0026", "&")) {
			t.Errorf("preview lacks %q:\n%s", want, blocks)
		}
	}
	if err := slacklimit.Check(body.Text, blocks); err != nil {
		t.Errorf("preview beyond Slack's limits: %v", err)
	}
	if got := env.emails(t, n, core.TemplateReply); len(got) != 0 {
		t.Fatalf("the preview mailed %d answers", len(got))
	}

	if got := env.pressValue(t, "U0AGENT", core.SlackActionReplyCancel, "1 fixed"); got != "REPLACED: Saved reply fixed was not sent to ticket #1." {
		t.Fatalf("cancel: %q", got)
	}
	if got := env.emails(t, n, core.TemplateReply); len(got) != 0 {
		t.Fatalf("cancel mailed %d answers", len(got))
	}
	if got := env.pressValue(t, "U0AGENT", core.SlackActionReplySend, "1 fixed"); got != "REPLACED: Answer sent to the customer of ticket #1." {
		t.Fatalf("send: %q", got)
	}
	got := env.emails(t, n, core.TemplateReply)
	if len(got) != 1 || got[0].Data.Text != "Hello Ann, ticket 1 is fixed. <b>Dana</b>" {
		t.Fatalf("answers %+v", got)
	}

	for _, c := range []struct{ user, text, want string }{
		{"U0AGENT", "#1 reply-with nope", `there is no saved reply "nope"`},
		{"U0AGENT", "#1 reply-with", "Usage: `/helpdesk #N reply-with NAME`"},
		{"U0STRANGER", "#1 reply-with fixed", "only the support team's agents"},
		{"U0SALES", "#1 reply-with fixed", "belongs to the support department"},
	} {
		if body := env.slashRaw(t, c.user, c.text); len(body.Blocks) != 0 || !strings.Contains(body.Text, c.want) {
			t.Errorf("%s %q: %+v, want %q", c.user, c.text, body, c.want)
		}
	}
	if got := env.pressValue(t, "U0STRANGER", core.SlackActionReplySend, "1 fixed"); !strings.Contains(got, "only the support team's agents") {
		t.Fatalf("a stranger's send: %q", got)
	}
	if got := env.emails(t, n, core.TemplateReply); len(got) != 1 {
		t.Fatalf("%d answers after the refusals, want 1", len(got))
	}
}

type slashBody struct {
	ResponseType string            `json:"response_type"`
	Text         string            `json:"text"`
	Blocks       []json.RawMessage `json:"blocks"`
}

// slashRaw sends a signed /helpdesk and returns its whole answer.
func (env *deskEnv) slashRaw(t *testing.T, user, text string) slashBody {
	t.Helper()
	form := url.Values{"command": {"/helpdesk"}, "text": {text}, "user_id": {user}, "channel_id": {channel}, "team_id": {"T0"}}
	w := env.do(t, signed("/slack/commands", "application/x-www-form-urlencoded", form.Encode(), testSecret, time.Now()))
	var b slashBody
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &b) != nil {
		t.Fatalf("/helpdesk %s answered %d %s", text, w.Code, w.Body.String())
	}
	return b
}

// pressValue presses a button of the given value and returns the answer.
func (env *deskEnv) pressValue(t *testing.T, user, actionID, value string) string {
	t.Helper()
	env.mu.Lock()
	before := len(env.answers)
	env.mu.Unlock()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0"},
		"channel": map[string]any{"id": channel}, "response_url": env.slack.GetAPIURL() + "response",
		"actions": []map[string]any{{"action_id": actionID, "block_id": "reply_preview", "type": "button", "value": value}},
	})
	w := env.do(t, signed("/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode(), testSecret, time.Now()))
	env.mu.Lock()
	defer env.mu.Unlock()
	if w.Code != http.StatusOK || len(env.answers) != before+1 {
		t.Fatalf("button %s answered %d, %d answers", actionID, w.Code, len(env.answers)-before)
	}
	return env.answers[before]
}

// TestCommands_Charge: /helpdesk #N charge AMOUNT REASON asks the
// customer to confirm a custom amount, the reason kept as typed, and
// refuses a second while the first waits (docs/rules.md §5).
func TestCommands_Charge(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	want := "Ticket #1: the customer is asked to confirm a custom charge of 100 credits (third-party installation &amp; set-up); answers wait until then."
	if got := env.command(t, "U0AGENT", "#1 charge 100 third-party installation &amp; set-up"); got != want {
		t.Fatalf("charge: %q, want %q", got, want)
	}
	notes := env.emails(t, n, core.TemplateCredits)
	if len(notes) != 1 || notes[0].Data.Credits == nil || notes[0].Data.Credits.Reason != "third-party installation & set-up" {
		t.Fatalf("credits notices %+v", notes)
	}
	for _, c := range []struct{ text, want string }{
		{"#1 charge 20 more", "waits for the customer"},
		{"#1 charge lots of money", `"lots" is not an amount`},
		{"#1 charge 20", "usage: charge AMOUNT REASON"},
	} {
		if got := env.command(t, "U0AGENT", c.text); !strings.Contains(got, c.want) {
			t.Errorf("%q: %q, want %q", c.text, got, c.want)
		}
	}
}
