package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"helpdesk/gateway"
	"helpdesk/internal/demo"
)

// TestAutoAssignThroughSlack: with [departments.support] auto_assign,
// new mail is assigned in turn to three agents, passing by the one who
// said /helpdesk away until /helpdesk back; each assignment is said in
// the ticket's thread.
func TestAutoAssignThroughSlack(t *testing.T) {
	ctx := context.Background()
	env, err := demo.StartWith(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)), func(c *gateway.Config) {
		d := c.Departments["support"]
		d.AutoAssign, d.MaxOpenPerAgent = true, 10
		c.Departments["support"] = d
		c.Agents = []gateway.AgentConfig{
			{ID: "U0ANN", Name: "Ann", Departments: []string{"support"}},
			{ID: "U0BOB", Name: "Bob", Departments: []string{"support"}},
			{ID: "U0CAT", Name: "Cat", Departments: []string{"support"}},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	slash := func(user, text string) string {
		t.Helper()
		form := url.Values{"command": {"/helpdesk"}, "text": {text}, "user_id": {user}, "channel_id": {"C0SUPPORT"}}
		code, body, err := demo.PostSlack(ctx, env.App.HTTPAddr, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), demo.SigningSecret)
		var r struct{ Text string }
		json.Unmarshal([]byte(body), &r)
		if err != nil || code != http.StatusOK {
			t.Fatalf("/helpdesk %s: %d %s %v", text, code, body, err)
		}
		return r.Text
	}
	if got := slash("U0BOB", "away"); !strings.Contains(got, "You are away") {
		t.Fatalf("/helpdesk away: %q", got)
	}
	assigned := func(n int64) string {
		row, err := env.App.DB.TicketRow(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return row.Assignee
	}
	send := func(i int) {
		msg := fmt.Sprintf("From: Zoe <zoe@shop.example>\r\nTo: support@support.example.com\r\nSubject: Question %d\r\n"+
			"Message-ID: <assign-%d@shop.example>\r\n\r\nHello.\r\n", i, i)
		if err := env.Send("zoe@shop.example", []string{"support@support.example.com"}, msg); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for i := 1; i <= 4; i++ {
		send(i)
		got = append(got, assigned(int64(i)))
	}
	if want := "U0ANN U0CAT U0ANN U0CAT"; strings.Join(got, " ") != want {
		t.Errorf("with Bob away: %v; want %s", got, want)
	}
	if got := slash("U0BOB", "back"); !strings.Contains(got, "You are back") {
		t.Fatalf("/helpdesk back: %q", got)
	}
	got = got[:0]
	for i := 5; i <= 7; i++ {
		send(i)
		got = append(got, assigned(int64(i)))
	}
	if want := "U0ANN U0BOB U0CAT"; strings.Join(got, " ") != want {
		t.Errorf("with Bob back: %v; want %s", got, want)
	}
	// Each assignment is said in its ticket's thread.
	if !demo.WaitFor(func() bool {
		n := 0
		for _, p := range env.Slack.Posts() {
			if p.ThreadTS != "" && strings.Contains(p.Text, "automatically (round robin)") {
				n++
			}
		}
		return n == 7
	}) {
		t.Errorf("the threads do not say each of the 7 assignments")
	}
}
