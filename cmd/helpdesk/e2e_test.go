package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"helpdesk/core"
	"helpdesk/internal/demo"
	"helpdesk/store"
)

// TestEndToEnd drives the whole story over real protocols: SMTP in, a
// go-smtp relay capturing what the gateway sends, and a fake Slack.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	env, err := demo.Start(ctx, t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"

	first := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Checkout page is blank\r\n" +
		"Message-ID: <e2e-1@shop.example>\r\n\r\nThe checkout shows a white page.\r\n"
	if err := env.Send("ann@shop.example", []string{support}, first); err != nil {
		t.Fatalf("new request: %v", err)
	}
	tickets := mustTickets(t, env)
	if len(tickets) != 1 || tickets[0].Status != "submitted" {
		t.Fatalf("tickets after the first mail: %+v", tickets)
	}
	n := tickets[0].Number

	// The acknowledgment.
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 && len(env.Slack.Posts()) == 1 }) {
		t.Fatalf("relay got %d mails, Slack %d posts; want 1 and 1", len(env.Relay.Mail()), len(env.Slack.Posts()))
	}
	ack := env.Relay.Mail()[0]
	if len(ack.To) != 1 || ack.To[0] != "ann@shop.example" {
		t.Fatalf("acknowledgment sent to %v", ack.To)
	}
	h, parts := mustReadMail(t, ack.Data)
	subject, _ := h.Subject()
	if !strings.HasPrefix(subject, "[#1] ") {
		t.Errorf("acknowledgment subject %q lacks [#1]", subject)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-replied" {
		t.Errorf("Auto-Submitted %q", got)
	}
	if irt, _ := h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "e2e-1@shop.example" {
		t.Errorf("In-Reply-To %v", irt)
	}
	rt, _ := h.AddressList("Reply-To")
	if len(rt) != 1 {
		t.Fatalf("Reply-To %q", h.Get("Reply-To"))
	}
	replyTo := rt[0].Address
	if !strings.HasPrefix(replyTo, "support+") || !strings.HasSuffix(replyTo, "@support.example.com") {
		t.Errorf("Reply-To %q carries no token", replyTo)
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mt != "multipart/alternative" || parts["text/plain"] == "" || parts["text/html"] == "" {
		t.Errorf("acknowledgment is %s with parts %v", mt, keys(parts))
	}
	ackID, _ := h.MessageID()
	parent := env.Slack.Posts()[0]
	if parent.Channel != "C0SUPPORT" || parent.ThreadTS != "" {
		t.Errorf("Slack parent %+v", parent)
	}

	// The customer's reply, threaded by In-Reply-To, with quoted history.
	reply := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: Re: " + subject + "\r\n" +
		"Message-ID: <e2e-2@shop.example>\r\nIn-Reply-To: <" + ackID + ">\r\n\r\n" +
		"Only with PayPal.\r\n\r\nOn Mon, 23 Nov 2026 at 10:00, Support <" + support + "> wrote:\r\n> We received your request.\r\n"
	if err := env.Send("ann@shop.example", []string{support}, reply); err != nil {
		t.Fatalf("reply: %v", err)
	}
	msgs := mustMessages(t, env, n)
	if len(msgs) != 2 || msgs[1].Text != "Only with PayPal." || !strings.Contains(msgs[1].Quoted, "We received") {
		t.Fatalf("ticket messages after the reply: %+v", msgs)
	}
	if !demo.WaitFor(func() bool { return len(env.Slack.Posts()) == 2 }) {
		t.Fatalf("Slack has %d posts, want the parent and a thread reply", len(env.Slack.Posts()))
	}
	if th := env.Slack.Posts()[1]; th.ThreadTS != parent.TS || th.Channel != parent.Channel {
		t.Errorf("thread reply %+v, want thread_ts %s", th, parent.TS)
	}

	// Someone else answering the acknowledgment gets a ticket of their own.
	eve := "From: Eve <eve@other.example>\r\nTo: " + support + "\r\nSubject: Re: " + subject + "\r\n" +
		"Message-ID: <e2e-3@other.example>\r\nIn-Reply-To: <" + ackID + ">\r\n\r\nLet me see this ticket.\r\n"
	if err := env.Send("eve@other.example", []string{support}, eve); err != nil {
		t.Fatalf("eve: %v", err)
	}
	if got := len(mustMessages(t, env, n)); got != 2 {
		t.Fatalf("ticket %d has %d messages after another sender's reply, want 2", n, got)
	}
	tickets = mustTickets(t, env)
	if len(tickets) != 2 || tickets[0].Email != "eve@other.example" {
		t.Fatalf("tickets %+v, want a second ticket for eve", tickets)
	}

	// An auto-reply opens nothing and is never answered.
	const mailsBefore = 2 // Ann's and Eve's acknowledgments
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == mailsBefore }) {
		t.Fatalf("relay got %d mails, want %d acknowledgments", len(env.Relay.Mail()), mailsBefore)
	}
	auto := "From: Ann <ann@shop.example>\r\nTo: " + replyTo + "\r\nSubject: Out of office\r\n" +
		"Message-ID: <e2e-4@shop.example>\r\nAuto-Submitted: auto-replied\r\n\r\nAway until Monday.\r\n"
	if err := env.Send("", []string{replyTo}, auto); err != nil {
		t.Fatalf("auto-reply: %v", err)
	}
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(env.Relay.Mail()); got != mailsBefore {
		t.Fatalf("%d mails sent after the auto-reply, want %d", got, mailsBefore)
	}
	if got := len(mustTickets(t, env)); got != 2 {
		t.Fatalf("%d tickets after the auto-reply, want 2", got)
	}
	msgs = mustMessages(t, env, n)
	if len(msgs) != 3 || !msgs[2].Auto {
		t.Fatalf("auto-reply not stored on its ticket: %+v", msgs)
	}

	// The same mail twice is stored once.
	if err := env.Send("ann@shop.example", []string{support}, reply); err != nil {
		t.Fatalf("duplicate: %v", err)
	}
	if got := len(mustMessages(t, env, n)); got != 3 {
		t.Fatalf("%d messages after a duplicate delivery, want 3", got)
	}

	// The CLI reads the same database with the contract's JSON.
	var out bytes.Buffer
	cfgEnv := []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}
	if err := Run(ctx, []string{"ticket", "show", "1", "--json"}, &out, io.Discard, cfgEnv); err != nil {
		t.Fatalf("ticket show: %v", err)
	}
	var tj map[string]any
	if err := json.Unmarshal(out.Bytes(), &tj); err != nil {
		t.Fatalf("ticket show --json: %v\n%s", err, out.String())
	}
	for _, k := range []string{"number", "status", "type", "department", "priority", "hotrush", "subject",
		"account", "credits", "sla", "predecessor", "rating", "messages"} {
		if _, ok := tj[k]; !ok {
			t.Errorf("ticket JSON lacks %q", k)
		}
	}
	if ms, _ := tj["messages"].([]any); len(ms) != 3 {
		t.Errorf("ticket JSON has %d messages, want 3", len(ms))
	}
}

func mustTickets(t *testing.T, env *demo.Env) []core.TicketSummary {
	t.Helper()
	rows, err := env.App.DB.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func mustMessages(t *testing.T, env *demo.Env, n int64) []messageView {
	t.Helper()
	msgs, err := env.App.DB.Messages(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		out[i] = messageView{Text: m.Text, Quoted: m.Quoted, Auto: m.Auto}
	}
	return out
}

type messageView struct {
	Text, Quoted string
	Auto         bool
}

// mustReadMail parses a captured mail with go-message and returns its
// header and its text parts by content type.
func mustReadMail(t *testing.T, raw []byte) (*gomail.Header, map[string]string) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p.Body)
		parts[ct] = string(b)
	}
	return &r.Header, parts
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// testWriter sends the gateway's log to the test's output.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
