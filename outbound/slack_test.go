package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

func testPost() core.SlackPost {
	return core.SlackPost{
		Department: "support", Number: 1042, Subject: "Checkout page is blank",
		Status: "submitted", Type: "support", Priority: "normal",
		Account: "Acme (customer #7)", From: "ann@customer.test",
		Text: "It is blank.",
	}
}

func TestSlackAPI_PostTicket(t *testing.T) {
	f, s := MustStartSlack(t)
	ts, err := s.PostTicket(context.Background(), "C0SUPPORT", testPost())
	if err != nil {
		t.Fatalf("PostTicket: %v", err)
	}
	msgs := f.posted()
	if len(msgs) != 1 || ts != msgs[0].TS {
		t.Fatalf("posted %v, ts %q", msgs, ts)
	}
	m := msgs[0]
	if m.Channel != "C0SUPPORT" || m.ThreadTS != "" {
		t.Errorf("channel %q thread_ts %q", m.Channel, m.ThreadTS)
	}
	if !strings.Contains(m.Text, "[#1042] Checkout page is blank") {
		t.Errorf("fallback text = %q", m.Text)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil || len(blocks) < 3 {
		t.Fatalf("blocks = %s (%v)", m.Blocks, err)
	}
	for _, want := range []string{"[#1042] Checkout page is blank", "*Account*", "Acme (customer #7)", "*Type*", "*Status*", "submitted", "*Priority*", "normal", "*From*", "ann@customer.test", "It is blank."} {
		if !strings.Contains(m.Blocks, want) {
			t.Errorf("blocks lack %q: %s", want, m.Blocks)
		}
	}
}

func TestSlackAPI_PostReply(t *testing.T) {
	f, s := MustStartSlack(t)
	p := testPost()
	p.Text = "New info"
	p.Quoted = "On Monday Ann wrote:\n> old"
	p.Attachments = []core.Attachment{{Filename: "screen.png", Size: 2048}, {Filename: "log.txt", Size: 10}}
	if err := s.PostReply(context.Background(), "C0SUPPORT", "1700000000.000001", p); err != nil {
		t.Fatalf("PostReply: %v", err)
	}
	m := f.posted()[0]
	if m.ThreadTS != "1700000000.000001" {
		t.Errorf("thread_ts = %q", m.ThreadTS)
	}
	for _, want := range []string{"New info", "ann@customer.test", "screen.png (2.0 KB)", "log.txt (10 B)", "(quoted history hidden)"} {
		if !strings.Contains(m.Blocks, want) {
			t.Errorf("blocks lack %q: %s", want, m.Blocks)
		}
	}
	if strings.Contains(m.Blocks, "old") {
		t.Errorf("quoted history shown: %s", m.Blocks)
	}
}

func TestSlackAPI_Escaping(t *testing.T) {
	f, s := MustStartSlack(t)
	p := testPost()
	p.Subject = "<!channel> urgent & <@U123>"
	p.From = "<!here>"
	p.Text = "<!channel> please <http://evil.test|click>"
	p.Attachments = []core.Attachment{{Filename: "<!everyone>.pdf", Size: 1}}
	if _, err := s.PostTicket(context.Background(), "C0SUPPORT", p); err != nil {
		t.Fatal(err)
	}
	if err := s.PostReply(context.Background(), "C0SUPPORT", "1.1", p); err != nil {
		t.Fatal(err)
	}
	msgs := f.posted()
	if len(msgs) != 2 {
		t.Fatalf("%d posts, want 2", len(msgs))
	}
	if !strings.Contains(msgs[0].Text, "&lt;!channel&gt; urgent &amp; &lt;@U123&gt;") {
		t.Errorf("fallback text = %q", msgs[0].Text)
	}
	for _, m := range msgs {
		var blocks any
		if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil {
			t.Fatal(err)
		}
		all := m.Text + " " + jsonStrings(blocks)
		for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U123>", "<http://evil.test|click>"} {
			if strings.Contains(all, bad) {
				t.Errorf("post has live %q: %s", bad, all)
			}
		}
		if !strings.Contains(all, "&lt;!channel&gt; please &lt;http://evil.test|click&gt;") {
			t.Errorf("post lacks the escaped text: %s", all)
		}
	}
}

// jsonStrings joins every string inside a decoded JSON value.
func jsonStrings(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var s []string
		for _, e := range v {
			s = append(s, jsonStrings(e))
		}
		return strings.Join(s, " ")
	case map[string]any:
		var s []string
		for _, e := range v {
			s = append(s, jsonStrings(e))
		}
		return strings.Join(s, " ")
	}
	return ""
}

func TestSlackAPI_Errors(t *testing.T) {
	f, s := MustStartSlack(t)
	tests := []struct {
		name       string
		fail       string
		retryAfter int
		permanent  bool
		wait       time.Duration
	}{
		{name: "RateLimited", retryAfter: 3, wait: 3 * time.Second},
		{name: "ChannelNotFound", fail: "channel_not_found", permanent: true},
		{name: "NotInChannel", fail: "not_in_channel", permanent: true},
		{name: "IsArchived", fail: "is_archived", permanent: true},
		{name: "InvalidAuth", fail: "invalid_auth", permanent: true},
		{name: "InternalError", fail: "internal_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.set(tc.fail, tc.retryAfter)
			defer f.set("", 0)
			_, err := s.PostTicket(context.Background(), "C0SUPPORT", testPost())
			if err == nil {
				t.Fatal("no error")
			}
			if got := IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			if got := retryAfter(err); got != tc.wait {
				t.Errorf("retryAfter(%v) = %v, want %v", err, got, tc.wait)
			}
			var re *RetryAfterError
			if tc.retryAfter > 0 && !errors.As(err, &re) {
				t.Errorf("err = %T, want *RetryAfterError", err)
			}
		})
	}
}

func TestSplitEscaped(t *testing.T) {
	text := strings.Repeat("a&b<c>\n", 1000) + strings.Repeat("&", 7000)
	chunks := splitEscaped(text, 2900)
	var joined strings.Builder
	for i, c := range chunks {
		if n := len([]rune(c)); n > 2900 {
			t.Errorf("chunk %d has %d characters", i, n)
		}
		if strings.HasSuffix(c, "&") || strings.HasSuffix(c, "&am") || strings.HasPrefix(c, "amp;") {
			t.Errorf("chunk %d splits an entity: ...%s", i, c[max(0, len(c)-10):])
		}
		joined.WriteString(c)
	}
	if joined.String() != esc(text) {
		t.Error("chunks do not add up to the escaped text")
	}
}

func TestSlackLog(t *testing.T) {
	s := NewSlackLog(slog.New(slog.NewTextHandler(io.Discard, nil)))
	seen := map[string]bool{}
	for range 5 {
		ts, err := s.PostTicket(context.Background(), "C1", testPost())
		if err != nil || ts == "" || seen[ts] {
			t.Fatalf("ts = %q, %v (seen: %v)", ts, err, seen)
		}
		seen[ts] = true
	}
	if err := s.PostReply(context.Background(), "C1", "1.1", testPost()); err != nil {
		t.Fatal(err)
	}
}
