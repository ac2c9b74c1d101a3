package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"helpdesk/core"
)

// Over Socket Mode, a thread reply is taken and acknowledged, and a
// slash command is answered in its acknowledgment.
func TestSocketMode(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	api := slack.New("xoxb-test", slack.OptionAPIURL(env.slack.GetAPIURL()), slack.OptionAppLevelToken("xapp-1-test"))
	sm := socketmode.New(api, socketmode.OptionPingInterval(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.h.RunSocketMode(ctx, sm) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("RunSocketMode did not return")
		}
	}()

	// Acknowledgments the client sends arrive on SeenFeed.
	acks := make(chan string, 16)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case m := <-env.slack.SeenFeed:
				acks <- m
			}
		}
	}()
	waitAck := func(envelope string) string {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case m := <-acks:
				if strings.Contains(m, envelope) {
					return m
				}
			case <-deadline:
				t.Fatalf("no acknowledgment of %s", envelope)
			}
		}
	}
	env.slack.SendToWebsocket(`{"type":"hello","num_connections":1}`)
	time.Sleep(50 * time.Millisecond)

	var cb map[string]any
	json.Unmarshal([]byte(event("EvSock1", reply("U0AGENT", "1700000000.002000", "Answered over the socket"))), &cb)
	b, _ := json.Marshal(map[string]any{"type": "events_api", "envelope_id": "env-1", "payload": cb})
	env.slack.SendToWebsocket(string(b))
	waitAck("env-1")
	if mails := env.emails(t, n, core.TemplateReply); len(mails) != 1 || mails[0].Data.Text != "Answered over the socket" {
		t.Fatalf("answer mails %+v", mails)
	}

	b, _ = json.Marshal(map[string]any{"type": "slash_commands", "envelope_id": "env-2", "accepts_response_payload": true,
		"payload": map[string]any{"command": "/helpdesk", "text": "#1 priority minor", "user_id": "U0AGENT", "channel_id": channel}})
	env.slack.SendToWebsocket(string(b))
	ack := waitAck("env-2")
	if !strings.Contains(ack, "now has priority minor") || !strings.Contains(ack, "ephemeral") {
		t.Fatalf("slash command acknowledged with %s", ack)
	}
	if r := env.ticket(t, n); r.Priority != "minor" {
		t.Fatalf("priority %s", r.Priority)
	}
}
