package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// allText is a post's fallback text and every string of its blocks.
func allText(t *testing.T, m slackMsg) string {
	t.Helper()
	if m.Blocks == "" {
		return m.Text
	}
	var blocks any
	if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil {
		t.Fatalf("blocks %s: %v", m.Blocks, err)
	}
	return m.Text + " " + jsonStrings(blocks)
}

func checkHas(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q: %s", what, w, s)
		}
	}
}

func checkHasNot(t *testing.T, what, s string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(s, b) {
			t.Errorf("%s has %q: %s", what, b, s)
		}
	}
}

var slaDueTime = time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)

func TestSlackAPI_CardState(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(p *core.SlackPost)
		want, not []string
	}{
		{
			name: "Defaults",
			want: []string{"*HotRush*\noff", "*Assignee*\nunassigned", "*SLA due*\n—", "*SLA*\n—", "*Status*\nsubmitted"},
			not:  []string{"🔥", "✅ solved", "(solved)", "<@", "<!date"},
		},
		{
			name: "Full",
			edit: func(p *core.SlackPost) {
				p.Status, p.HotRush, p.Assignee, p.Solved = "in_progress", true, "U0BOB", true
				p.SLADue, p.SLAState = &slaDueTime, "at_risk"
			},
			want: []string{
				"🔥 *[#1042] Checkout page is blank*  ✅ solved", "*HotRush*\n🔥 HotRush",
				"*Assignee*\n<@U0BOB>", "*Status*\nin_progress (solved)",
				fmt.Sprintf("*SLA due*\n<!date^%d^{date_short_pretty} {time}|2026-11-21 11:00 UTC>", slaDueTime.Unix()),
				"*SLA*\n⚠️ at risk",
			},
		},
		{name: "Tags", edit: func(p *core.SlackPost) { p.Tags = []string{"billing", "paypal"} }, want: []string{"*Tags* billing, paypal"}},
		{name: "NoTags", not: []string{"*Tags*"}},
		{name: "Breached", edit: func(p *core.SlackPost) { p.SLAState = "breached" }, want: []string{"*SLA*\n🚨 breached"}},
		{name: "Met", edit: func(p *core.SlackPost) { p.SLAState = "met" }, want: []string{"*SLA*\n✅ met"}},
		{name: "OK", edit: func(p *core.SlackPost) { p.SLAState = "ok" }, want: []string{"*SLA*\non track"}},
		{name: "EnterpriseUser", edit: func(p *core.SlackPost) { p.Assignee = "W0ENT42" }, want: []string{"*Assignee*\n<@W0ENT42>"}},
		{
			name: "InvalidAssignee",
			edit: func(p *core.SlackPost) { p.Assignee = "U1> <!channel" },
			want: []string{"*Assignee*\nU1&gt; &lt;!channel"},
			not:  []string{"<@", "<!channel"},
		},
		{
			name: "LowerCaseAssignee",
			edit: func(p *core.SlackPost) { p.Assignee = "u0bob" },
			want: []string{"*Assignee*\nu0bob"},
			not:  []string{"<@"},
		},
		{
			name: "InjectedState",
			edit: func(p *core.SlackPost) { p.SLAState, p.Status = "<!here>", "<@U1>" },
			want: []string{"*SLA*\n&lt;!here&gt;", "*Status*\n&lt;@U1&gt;"},
			not:  []string{"<!here>", "<@U1>"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, s := MustStartSlack(t)
			p := testPost()
			if tc.edit != nil {
				tc.edit(&p)
			}
			if _, err := s.PostTicket(context.Background(), "C0SUPPORT", p); err != nil {
				t.Fatalf("PostTicket: %v", err)
			}
			m := f.posted()[0]
			all := allText(t, m)
			checkHas(t, "card", all, tc.want...)
			checkHasNot(t, "card", all, tc.not...)
			if p.HotRush && !strings.HasPrefix(m.Text, "🔥 [#1042]") {
				t.Errorf("fallback text = %q", m.Text)
			}
		})
	}
}

func TestSlackAPI_CardLongValues(t *testing.T) {
	f, s := MustStartSlack(t)
	p := testPost()
	p.Subject = strings.Repeat("&", 5000)
	p.Account = strings.Repeat("<", 5000)
	if _, err := s.PostTicket(context.Background(), "C0SUPPORT", p); err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Text   *struct{ Text string }  `json:"text"`
		Fields []struct{ Text string } `json:"fields"`
	}
	if err := json.Unmarshal([]byte(f.posted()[0].Blocks), &blocks); err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		if b.Text != nil && len([]rune(b.Text.Text)) > 3000 {
			t.Errorf("block %d: text of %d characters", i, len([]rune(b.Text.Text)))
		}
		for _, fl := range b.Fields {
			if len([]rune(fl.Text)) > 2000 {
				t.Errorf("block %d: field of %d characters", i, len([]rune(fl.Text)))
			}
		}
	}
}

func TestSlackAPI_UpdateTicket(t *testing.T) {
	f, s := MustStartSlack(t)
	ts, err := s.PostTicket(context.Background(), "C0SUPPORT", testPost())
	if err != nil {
		t.Fatal(err)
	}
	p := testPost()
	p.Status, p.Priority, p.HotRush, p.Assignee = "assigned", "major", true, "U0BOB"
	p.SLADue, p.SLAState = &slaDueTime, "breached"
	if err := s.UpdateTicket(context.Background(), "C0SUPPORT", ts, p); err != nil {
		t.Fatalf("UpdateTicket: %v", err)
	}
	ups := f.updated()
	if len(ups) != 1 || ups[0].TS != ts || ups[0].Channel != "C0SUPPORT" {
		t.Fatalf("updates %+v, want one of %s in C0SUPPORT", ups, ts)
	}
	if n := len(f.posted()); n != 1 {
		t.Errorf("%d posts, want the one card", n)
	}
	checkHas(t, "updated card", allText(t, ups[0]),
		"🔥 [#1042] Checkout page is blank", "*Status*\nassigned", "*Priority*\nmajor", "*HotRush*\n🔥 HotRush",
		"*Assignee*\n<@U0BOB>", "*SLA*\n🚨 breached", "<!date^", "It is blank.")

	// A card that is gone cannot be updated, ever.
	err = s.UpdateTicket(context.Background(), "C0SUPPORT", "1.999999", p)
	if err == nil || !IsPermanent(err) {
		t.Fatalf("update of a missing card: %v, want a permanent error", err)
	}
}

func TestSlackAPI_ReplyKinds(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(p *core.SlackPost)
		fallback  string
		want, not []string
	}{
		{
			name:     "Inbound",
			edit:     func(p *core.SlackPost) { p.Direction = "inbound" },
			fallback: "[#1042] ann@customer.test wrote: It is blank.",
			want:     []string{"From ann@customer.test", "It is blank."},
			not:      []string{"Answer sent", "Internal note"},
		},
		{
			name:     "NoDirection",
			fallback: "[#1042] ann@customer.test wrote: It is blank.",
			want:     []string{"From ann@customer.test", "It is blank."},
		},
		{
			name:     "Outbound",
			edit:     func(p *core.SlackPost) { p.Direction, p.From, p.Text = "outbound", "Bob", "Clear the cache." },
			fallback: "[#1042] answer sent to the customer: Clear the cache.",
			want:     []string{"Answer sent to the customer by Bob:", "Clear the cache."},
			not:      []string{"From Bob"},
		},
		{
			name:     "Note",
			edit:     func(p *core.SlackPost) { p.Direction, p.From, p.Text = "note", "", "Check the logs." },
			fallback: "[#1042] internal note: Check the logs.",
			want:     []string{"Internal note:", "Check the logs."},
			not:      []string{"From", "Answer sent"},
		},
		{
			name:     "EventOnly",
			edit:     func(p *core.SlackPost) { p.Event, p.Text = "status: closed by the customer", "" },
			fallback: "[#1042] status: closed by the customer",
			want:     []string{"_status: closed by the customer_"},
			not:      []string{"From", "(no text)"},
		},
		{
			name:     "EventWithMessage",
			edit:     func(p *core.SlackPost) { p.Event, p.Text = "status: reopened by the customer", "It is back." },
			fallback: "[#1042] ann@customer.test wrote: It is back.",
			want:     []string{"_status: reopened by the customer_", "From ann@customer.test", "It is back."},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, s := MustStartSlack(t)
			p := testPost()
			if tc.edit != nil {
				tc.edit(&p)
			}
			if err := s.PostReply(context.Background(), "C0SUPPORT", "1700000000.000001", p); err != nil {
				t.Fatalf("PostReply: %v", err)
			}
			m := f.posted()[0]
			if m.Text != tc.fallback {
				t.Errorf("fallback text = %q, want %q", m.Text, tc.fallback)
			}
			checkHas(t, "reply", m.Blocks, tc.want...)
			checkHasNot(t, "reply", m.Blocks, tc.not...)
		})
	}
}

func TestSlackAPI_PostNotice(t *testing.T) {
	f, s := MustStartSlack(t)
	n := core.SlackNotice{
		Department: "support", Number: 1042,
		Text:    "Ticket #1042 is at risk: 80% of its first-response time used.\nSee the queue.",
		Mention: []string{"U0HEAD", "<!channel>", "W0BOSS", "u0lower", "U0 SPACE", "U0HEAD", "U0HEAD>|x", "", "@U0AT"},
	}
	if err := s.PostNotice(context.Background(), "C0SUPPORT", "", n); err != nil {
		t.Fatalf("PostNotice: %v", err)
	}
	n.Mention = nil
	if err := s.PostNotice(context.Background(), "C0SUPPORT", "1700000000.000001", n); err != nil {
		t.Fatalf("PostNotice in thread: %v", err)
	}
	msgs := f.posted()
	if len(msgs) != 2 {
		t.Fatalf("%d posts, want 2", len(msgs))
	}
	want := "<@U0HEAD> <@W0BOSS> Ticket #1042 is at risk: 80% of its first-response time used.\nSee the queue."
	if m := msgs[0]; m.Text != want || m.ThreadTS != "" || m.Channel != "C0SUPPORT" || m.Blocks != "" {
		t.Errorf("notice = %+v, want text %q in the channel", m, want)
	}
	want = "Ticket #1042 is at risk: 80% of its first-response time used.\nSee the queue."
	if m := msgs[1]; m.Text != want || m.ThreadTS != "1700000000.000001" {
		t.Errorf("notice in thread = %+v", m)
	}
}

func TestSlackAPI_NoticeAndEventEscaping(t *testing.T) {
	f, s := MustStartSlack(t)
	n := core.SlackNotice{Department: "support", Text: "Low rating: <!channel> & <@U123> <http://evil.test|click>", Mention: []string{"U0HEAD"}}
	if err := s.PostNotice(context.Background(), "C0SUPPORT", "", n); err != nil {
		t.Fatal(err)
	}
	p := testPost()
	p.Event, p.Text = "status: closed by <!channel> <@U123>", ""
	if err := s.PostReply(context.Background(), "C0SUPPORT", "1.1", p); err != nil {
		t.Fatal(err)
	}
	p.Event, p.Direction, p.From, p.Text = "<!here>", "outbound", "<!everyone>", "<!channel> answer"
	if err := s.PostReply(context.Background(), "C0SUPPORT", "1.1", p); err != nil {
		t.Fatal(err)
	}
	msgs := f.posted()
	if len(msgs) != 3 {
		t.Fatalf("%d posts", len(msgs))
	}
	if want := "<@U0HEAD> Low rating: &lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://evil.test|click&gt;"; msgs[0].Text != want {
		t.Errorf("notice text = %q, want %q", msgs[0].Text, want)
	}
	checkHas(t, "event", allText(t, msgs[1]), "status: closed by &lt;!channel&gt; &lt;@U123&gt;")
	checkHas(t, "answer", allText(t, msgs[2]), "&lt;!here&gt;", "&lt;!everyone&gt;", "&lt;!channel&gt; answer")
	for _, m := range msgs[1:] {
		checkHasNot(t, "post", allText(t, m), "<!channel>", "<!here>", "<!everyone>", "<@U123>")
	}
}

func TestSlackLog_All(t *testing.T) {
	s := NewSlackLog(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	ts, err := s.PostTicket(ctx, "C1", testPost())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateTicket(ctx, "C1", ts, testPost()); err != nil {
		t.Fatal(err)
	}
	if err := s.PostNotice(ctx, "C1", "", core.SlackNotice{Department: "support", Text: "hi", Mention: []string{"U1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PostNotice(ctx, "C1", ts, core.SlackNotice{Department: "support", Text: "hi", InThread: true}); err != nil {
		t.Fatal(err)
	}
}
