package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"helpdesk/core"
	"helpdesk/gateway"
)

// TestCLI_TerminalEscapes: a customer's escape sequences (a title set,
// a cleared screen) reach the terminal of no command that prints text:
// ticket show, list and find, queue, quarantine list and show, status.
// JSON keeps them exact, escaped, and quarantine show --raw gives the
// bytes as they came.
func TestCLI_TerminalEscapes(t *testing.T) {
	ctx := context.Background()
	const (
		title = "\x1b]0;pwned\x07"
		clear = "\x1b[2J"
	)
	dir := t.TempDir()
	path := filepath.Join(dir, "helpdesk.db")
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = path
	cfg.FillDefaults()
	app, err := gateway.NewApp(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: ann@shop.example\r\nSubject: " + title + "Checkout\r\n\r\n" + clear + "blank page\r\n")
	if _, err := app.Core.Receive(ctx, &core.Email{
		MessageID: "esc" + clear + "@shop.example", From: core.Address{Name: "Ann" + title, Addr: "ann@shop.example"},
		Subject: title + "Checkout is blank", Text: clear + "The page is white.\r\nSince Monday\rOK",
		Attachments: []core.Attachment{{Filename: "shot" + clear + ".png", Size: 10}},
		BodyHash:    "h-esc", Raw: raw,
		Envelope: core.Envelope{Sender: "ann@shop.example", Recipients: []string{"support@support.example.com"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := app.DB.Quarantine(ctx, &core.Quarantined{Channel: "smtp", MessageID: "q" + clear + "@x",
		Reason: "unreadable " + title, Size: len(raw), Raw: raw}); err != nil {
		t.Fatal(err)
	}
	app.Shutdown(ctx)

	env := []string{"HELPDESK_HTTP_LISTEN=127.0.0.1:1"} // status: no serve there, so the database
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Run(ctx, append(args, "--db", path), &out, &out, env); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	for _, args := range [][]string{
		{"ticket", "show", "1"}, {"ticket", "list"}, {"ticket", "find", "esc" + clear + "@shop.example"}, {"queue"},
		{"quarantine", "list"}, {"quarantine", "show", "1"}, {"status"},
	} {
		out := run(args...)
		if i := strings.IndexFunc(out, func(r rune) bool {
			return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f
		}); i >= 0 {
			t.Errorf("%s prints a control character %q:\n%q", strings.Join(args, " "), out[i], out)
		}
		if args[0] != "status" && !strings.Contains(out, "\uFFFD") {
			t.Errorf("%s does not mark what it replaced:\n%s", strings.Join(args, " "), out)
		}
	}
	show := run("ticket", "show", "1")
	for _, want := range []string{"#1 \uFFFDCheckout is blank", "\uFFFDThe page is white.\nSince Monday\uFFFDOK", "shot\uFFFD.png"} {
		if !strings.Contains(show, want) {
			t.Errorf("ticket show lacks %q:\n%s", want, show)
		}
	}

	var v gateway.TicketView
	if err := json.Unmarshal([]byte(run("ticket", "show", "1", "--json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Subject != title+"Checkout is blank" || v.Messages == nil || len(*v.Messages) != 1 || !strings.HasPrefix((*v.Messages)[0].Text, clear) {
		t.Fatalf("JSON changed the customer's text: %q, %+v", v.Subject, v.Messages)
	}
	if got := run("quarantine", "show", "1", "--raw"); got != string(raw) {
		t.Fatalf("quarantine show --raw: %q, want the raw bytes", got)
	}
}
