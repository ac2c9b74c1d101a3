package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/demo"
)

// TestSavedReply_EndToEnd pins docs/rules.md §7: a saved reply added
// with the command line is previewed in Slack, sent with its button, and
// reaches the customer over SMTP with its placeholders filled in; the
// customer's name, markup and all, is text in both parts of the mail.
func TestSavedReply_EndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	cfgEnv := []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}
	snippet := filepath.Join(t.TempDir(), "thanks.md")
	if err := os.WriteFile(snippet, []byte("Hello {{customer_name}},\n\nthis is {{agent}}: ticket #{{ticket}} is **solved**.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Run(ctx, []string{"reply-template", "add", "thanks", "--file", snippet}, io.Discard, io.Discard, cfgEnv); err != nil {
		t.Fatalf("reply-template add: %v", err)
	}

	const support = "support@support.example.com"
	first := "From: \"Ann <img src=x> *Boss*\" <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Checkout page is blank\r\n" +
		"Message-ID: <saved-1@shop.example>\r\n\r\nThe checkout shows a white page.\r\n"
	if err := env.Send("ann@shop.example", []string{support}, first); err != nil {
		t.Fatal(err)
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 && len(env.Slack.Posts()) == 1 }) {
		t.Fatalf("ack and card: %d mails, %d posts", len(env.Relay.Mail()), len(env.Slack.Posts()))
	}
	card := env.Slack.Posts()[0]
	post := func(path, ct, body string) string {
		t.Helper()
		code, res, err := demo.PostSlackAt(ctx, env.App.HTTPAddr, path, ct, body, demo.SigningSecret, time.Now())
		if err != nil || code != http.StatusOK {
			t.Fatalf("%s: %d %v %s", path, code, err, res)
		}
		return res
	}
	form := url.Values{"command": {"/helpdesk"}, "text": {"#1 reply-with thanks"}, "user_id": {"U0AGENT"}, "channel_id": {card.Channel}}
	preview := post("/slack/commands", "application/x-www-form-urlencoded", form.Encode())
	if !strings.Contains(preview, core.SlackActionReplySend) || !strings.Contains(preview, "ticket #1 is **solved**") {
		t.Fatalf("preview: %s", preview)
	}
	env.App.Worker.Kick()
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(env.Relay.Mail()); got != 1 {
		t.Fatalf("the preview mailed: %d mails", got)
	}

	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U0AGENT"},
		"response_url": env.Slack.ResponseURL(), "actions": []map[string]any{{"action_id": core.SlackActionReplySend,
			"block_id": "reply_preview", "value": "1 thanks", "type": "button"}}})
	post("/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode())
	if a := env.Slack.Answers(); len(a) != 1 || a[0] != "ephemeral: Answer sent to the customer of ticket #1." {
		t.Fatalf("send answers %q", a)
	}
	env.App.Worker.Kick()
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 2 }) {
		t.Fatalf("relay has %d mails, want the ack and the saved reply", len(env.Relay.Mail()))
	}
	m := env.Relay.Mail()[1]
	_, parts := mustReadMail(t, m.Data)
	text, html := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n"), parts["text/html"]
	if m.To[0] != "ann@shop.example" || !strings.Contains(text, "Hello Ann <img src=x> *Boss*,\n\nthis is Dana: ticket #1 is **solved**.") {
		t.Fatalf("saved reply to %v:\n%s", m.To, text)
	}
	if strings.Contains(html, "<img") || !strings.Contains(html, "&lt;img src=x&gt;") || strings.Contains(html, "<strong>Boss") {
		t.Fatalf("the customer's name became markup:\n%s", html)
	}
}

// TestReplyTemplateCommands: reply-template add, list, show and remove,
// the refusals at add, and ticket act reply-with with and without
// --preview (docs/rules.md §7).
func TestReplyTemplateCommands(t *testing.T) {
	path, _ := mustOutboxDB(t)
	cfg := filepath.Join(t.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(cfg, []byte("[[agents]]\nid = \"U0DANA\"\nname = \"Dana\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		return runCLI(t, append(args, "--db", path, "--config", cfg)...)
	}
	if out, err := run("reply-template", "add", "hi", "--text", "Hi {{customer_name}}, about {{ticket}}. {{agent}}"); err != nil ||
		!strings.Contains(out, "saved reply hi added") {
		t.Fatalf("add: %v %s", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"reply-template", "add", "bad", "--text", "Hi {{name}}"}, "unknown placeholder {{name}}", 1},
		{[]string{"reply-template", "add", "hi", "--text", "Hi"}, "exists already", 1},
		{[]string{"reply-template", "add", "both", "--text", "Hi", "--file", "x"}, "usage", 2},
		{[]string{"reply-template", "show", "nope"}, "not found", 1},
		{[]string{"ticket", "act", "1", "reply-with", "hi", "--preview"}, "only an agent", 1},
	} {
		out, err := run(c.args...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) || exitCode(err) != c.code {
			t.Errorf("%v: %v (exit %d) %s, want %q exit %d", c.args, err, exitCode(err), out, c.want, c.code)
		}
	}
	out, err := run("reply-template", "list", "--json")
	var list []core.ReplyTemplate
	if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 || list[0].Name != "hi" || list[0].By != "admin" {
		t.Fatalf("list --json: %v %s", err, out)
	}
	if out, err := run("reply-template", "show", "hi"); err != nil || !strings.Contains(out, "Hi {{customer_name}}") {
		t.Fatalf("show: %v %s", err, out)
	}
	want := "Hi ann@shop.example, about 1. Dana"
	if out, err := run("ticket", "act", "1", "reply-with", "hi", "--agent", "U0DANA", "--preview"); err != nil || strings.TrimSpace(out) != want {
		t.Fatalf("--preview: %v %q, want %q", err, out, want)
	}
	if out, err := run("ticket", "act", "1", "reply-with", "hi", "--agent", "U0DANA"); err != nil || !strings.Contains(out, "answer sent") {
		t.Fatalf("reply-with: %v %s", err, out)
	}
	var show bytes.Buffer
	if err := Run(context.Background(), []string{"ticket", "show", "1", "--json", "--db", path}, &show, io.Discard, nil); err != nil ||
		!strings.Contains(show.String(), want) {
		t.Fatalf("the answer is not on the ticket: %v %s", err, show.String())
	}
	if out, err := run("reply-template", "remove", "hi"); err != nil || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %v %s", err, out)
	}
}
