package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"helpdesk/core"
	"helpdesk/internal/demo"
)

// TestAgentOpened_EndToEnd pins docs/rules.md §2: `ticket open` mails the
// customer the first message with a signed reply address, and their
// answer threads to the ticket.
func TestAgentOpened_EndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	cfgEnv := []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}
	var out bytes.Buffer
	if err := Run(ctx, []string{"ticket", "open", "--to", "Ann@Shop.example", "--subject", "[sales] Your renewal",
		"--text", "Your license ends next month.", "--json"}, &out, io.Discard, cfgEnv); err != nil {
		t.Fatalf("ticket open: %v", err)
	}
	var opened struct{ Number int64 }
	if err := json.Unmarshal(out.Bytes(), &opened); err != nil || opened.Number != 1 {
		t.Fatalf("ticket open --json: %s (%v)", out.String(), err)
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 }) {
		t.Fatalf("relay has %d mails, want the first message", len(env.Relay.Mail()))
	}
	first := env.Relay.Mail()[0]
	h, parts := mustReadMail(t, first.Data)
	if first.To[0] != "ann@shop.example" || !strings.Contains(parts["text/plain"], "Your license ends next month.") {
		t.Fatalf("first message to %v:\n%s", first.To, parts["text/plain"])
	}
	subject, _ := h.Subject()
	id, _ := h.MessageID()
	rt, _ := h.AddressList("Reply-To")
	if subject != "[#1] Your renewal" || len(rt) != 1 || !strings.HasPrefix(rt[0].Address, "sales+") {
		t.Fatalf("first message subject %q, Reply-To %v", subject, rt)
	}
	tickets := mustTickets(t, env)
	if len(tickets) != 1 || tickets[0].Type != "sales" {
		t.Fatalf("tickets %+v", tickets)
	}

	reply := "From: Ann <ann@shop.example>\r\nTo: " + rt[0].Address + "\r\nSubject: Re: " + subject +
		"\r\nMessage-ID: <open-2@shop.example>\r\nIn-Reply-To: <" + id + ">\r\n\r\nYes, please renew it.\r\n"
	if err := env.Send("ann@shop.example", []string{rt[0].Address}, reply); err != nil {
		t.Fatal(err)
	}
	msgs := mustMessages(t, env, 1)
	if len(msgs) != 2 || msgs[1].Text != "Yes, please renew it." {
		t.Fatalf("messages %+v, want the first message and the answer", msgs)
	}
	if got := len(mustTickets(t, env)); got != 1 {
		t.Fatalf("%d tickets after the answer, want 1", got)
	}
}

// TestRussianCustomer_EndToEnd pins docs/rules.md §1: a customer writing
// in Cyrillic gets every notice in Russian.
func TestRussianCustomer_EndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"
	first := "From: =?utf-8?b?0JjQstCw0L0=?= <ivan@shop.example>\r\nTo: " + support +
		"\r\nSubject: =?utf-8?b?0J3QtSDRgNCw0LHQvtGC0LDQtdGCINC+0L/Qu9Cw0YLQsA==?=\r\nMessage-ID: <ru-1@shop.example>" +
		"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Здравствуйте! Страница оплаты не открывается.\r\n\r\n#priority major\r\n"
	if err := env.Send("ivan@shop.example", []string{support}, first); err != nil {
		t.Fatal(err)
	}
	dana := core.Actor{Kind: core.ActorAgent, ID: "U0AGENT", Name: "Dana"}
	for _, act := range [][]string{{"reply", "Проверьте, пожалуйста, настройки."}, {"status", "pre_closed"}} {
		if _, err := env.App.Core.Act(ctx, 1, dana, act[0], act[1]); err != nil {
			t.Fatalf("%v: %v", act, err)
		}
	}
	env.App.Worker.Kick()
	// The acknowledgment, the commands notice, the answer, the status.
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 4 }) {
		t.Fatalf("relay has %d mails, want 4", len(env.Relay.Mail()))
	}
	for i, m := range env.Relay.Mail() {
		_, parts := mustReadMail(t, m.Data)
		text := parts["text/plain"]
		for _, en := range []string{"Hello", "ticket", "Kind regards", "Please", "automatic"} {
			if strings.Contains(text, en) {
				t.Errorf("mail %d has %q:\n%s", i, en, text)
			}
		}
		if !strings.Contains(text, "заявк") {
			t.Errorf("mail %d is not in Russian:\n%s", i, text)
		}
	}
}
