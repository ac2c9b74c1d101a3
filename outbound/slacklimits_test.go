package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
)

// hostilePost is a post with everything a customer controls as large and
// as costly to escape as a mail can make it: 100 attachments with long
// names, a 10,000-character subject, a megabyte of text, 20 people
// copied.
func hostilePost(unit string) core.SlackPost {
	long := func(n int) string { return strings.Repeat(unit, n/len(unit)+1) }
	p := testPost()
	p.Subject, p.From, p.Account = long(10000), long(1000), long(1000)
	p.Text, p.Quoted = long(1<<20), long(1000)
	p.AuthWarning, p.Event = long(1000), long(1000)
	p.Type, p.Priority, p.Status, p.Assignee, p.SLAState = long(500), long(500), long(500), long(500), long(500)
	for i := range 100 {
		p.Attachments = append(p.Attachments, core.Attachment{Filename: fmt.Sprintf("%d-%s.pdf", i, long(300)), Size: 1 << 20})
	}
	for range 20 {
		p.Participants = append(p.Participants, long(250)+"@shop.example")
	}
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	p.SLADue = &due
	return p
}

// slackMessages are every message the gateway builds for Slack, by kind,
// from p and from a notice made of the same strings.
func slackMessages(p core.SlackPost) map[string]message {
	notice := core.SlackNotice{Department: p.Department, Number: p.Number, Text: p.Text + p.Subject,
		Mention: []string{"U0HEAD", "U0OTHER", "<!channel>"}}
	held := notice
	held.Held = 7
	out := map[string]message{
		"card":          ticketMessage(p),
		"card, minimal": minimalTicket(p, slacklimit.ErrInvalidBlocks),
		"notice":        noticeMessage(notice),
		"held notice":   noticeMessage(held),
		"minimal":       minimalNotice(held, slacklimit.ErrInvalidBlocks),
		"reposted card": ticketMessage(reposted(p)),
	}
	for _, dir := range []string{"", directionOutbound, directionNote} {
		r := p
		r.Direction = dir
		out["reply "+dir] = replyMessage(r)
		out["reply, minimal "+dir] = minimalReply(r, slacklimit.ErrInvalidBlocks)
		r.Text, r.Attachments = "", nil
		out["event "+dir] = replyMessage(r)
	}
	return out
}

// TestSlackMessages_Limits: every message the gateway builds for Slack
// keeps within Slack's documented limits whatever a customer sent, and
// long lists are summed up.
func TestSlackMessages_Limits(t *testing.T) {
	for _, unit := range []string{"a", "&", "<", "ж", "😀", "a\n", "*_~`"} {
		for kind, m := range slackMessages(hostilePost(unit)) {
			if err := slacklimit.CheckBlocks(m.text, m.blocks); err != nil {
				t.Errorf("%q/%s: %v", unit, kind, err)
			}
		}
	}
	m := ticketMessage(hostilePost("a"))
	b, _ := json.Marshal(m.blocks)
	if !strings.Contains(string(b), "more attachments, ") || !strings.Contains(string(b), "• 0-aaa") {
		t.Errorf("the attachments are not listed and summed up: %s", b)
	}
	short := testPost()
	short.Attachments = []core.Attachment{{Filename: "a.png", Size: 10}, {Filename: "b.png", Size: 20}}
	if b, _ := json.Marshal(ticketMessage(short).blocks); strings.Contains(string(b), "more attachment") {
		t.Errorf("two attachments summed up: %s", b)
	}
}

// TestSlackAPI_MinimalForm: a message Slack refuses for its content is
// posted again as plain text naming the ticket, so the card (and with it
// the thread) exists.
func TestSlackAPI_MinimalForm(t *testing.T) {
	f, s := MustStartSlack(t)
	f.RefuseBlocks = true
	ctx := context.Background()
	p := testPost()
	ts, err := s.PostTicket(ctx, "C0SUPPORT", p)
	if err != nil {
		t.Fatalf("PostTicket: %v", err)
	}
	if err := s.UpdateTicket(ctx, "C0SUPPORT", ts, p); err != nil {
		t.Fatalf("UpdateTicket: %v", err)
	}
	if err := s.PostReply(ctx, "C0SUPPORT", ts, p); err != nil {
		t.Fatalf("PostReply: %v", err)
	}
	held := core.SlackNotice{Department: "support", Number: 1042, Text: "Mail held", Held: 7}
	if err := s.PostNotice(ctx, "C0SUPPORT", "", held); err != nil {
		t.Fatalf("PostNotice: %v", err)
	}
	posts, updates := f.posted(), f.updated()
	if len(posts) != 3 || len(updates) != 1 || posts[0].TS != ts {
		t.Fatalf("%d posts, %d updates (card ts %q); want the minimal card, reply and notice, and one update", len(posts), len(updates), ts)
	}
	for i, m := range append(posts, updates...) {
		if m.Blocks != "" && m.Blocks != "[]" {
			t.Errorf("message %d has blocks: %s", i, m.Blocks)
		}
	}
	for i, want := range []string{"[#1042] Checkout page is blank", "[#1042] From ann@customer.test", "helpdesk quarantine show 7"} {
		if !strings.Contains(posts[i].Text, want) || !strings.Contains(posts[i].Text, "invalid_blocks") {
			t.Errorf("post %d = %q, want %q and why", i, posts[i].Text, want)
		}
	}
	if posts[1].ThreadTS != ts {
		t.Errorf("minimal reply in thread %q, want %q", posts[1].ThreadTS, ts)
	}
}

// cardWorker is MustWorker over a queue that tells whether a card is
// pending, as the store does.
func cardWorker(t *testing.T) *workerEnv {
	env := MustWorker(t, nil)
	env.w = NewWorker(cardQueue{env.q}, env.w.mail, env.w.sl, env.w.opts)
	return env
}

// TestWorker_DeadCard: a ticket whose card row is dead holds back none of
// its later Slack messages. The first that needs the thread posts a new
// card and becomes its parent, the others follow in that thread; a card
// redrawn is posted as the new card; a notice for the thread goes to the
// channel, naming its ticket.
func TestWorker_DeadCard(t *testing.T) {
	ctx := context.Background()
	t.Run("reply then the rest", func(t *testing.T) {
		env := cardWorker(t)
		card := env.q.add(t, core.OutboxSlackTicket, 1042, testPost(), t0)
		if err := env.q.Dead(ctx, card, t0, time.Second, "invalid_blocks"); err != nil {
			t.Fatal(err)
		}
		reply := testPost()
		reply.Text = "Any news?"
		rid := env.q.add(t, core.OutboxSlackReply, 1042, reply, t0)
		uid := env.q.add(t, core.OutboxSlackUpdate, 1042, testPost(), t0)
		nid := env.q.add(t, core.OutboxSlackNotice, 1042, core.SlackNotice{Department: "support", Number: 1042, Text: "SLA at risk", InThread: true}, t0)
		env.drain(t, 3)
		for _, id := range []int64{rid, uid, nid} {
			checkRow(t, env.q.row(id), "sent", 1)
		}
		posts := env.slack.posted()
		if len(posts) != 3 || posts[0].ThreadTS != "" || !strings.Contains(posts[0].Blocks, "first card could not be posted") {
			t.Fatalf("posts %+v, want a new card first", posts)
		}
		for _, p := range posts[1:] {
			if p.ThreadTS != posts[0].TS {
				t.Errorf("post %+v not in the new card's thread %s", p, posts[0].TS)
			}
		}
		if !strings.Contains(posts[1].Blocks, "Any news?") {
			t.Errorf("reply %s", posts[1].Blocks)
		}
		if u := env.slack.updated(); len(u) != 1 || u[0].TS != posts[0].TS {
			t.Errorf("updates %+v, want the new card redrawn", u)
		}
		if ch, ts, _ := env.q.SlackThread(ctx, 1042); ch != "C0SUPPORT" || ts != posts[0].TS {
			t.Errorf("thread recorded as %q %q, want the new card", ch, ts)
		}
	})
	t.Run("update alone", func(t *testing.T) {
		env := cardWorker(t)
		card := env.q.add(t, core.OutboxSlackTicket, 1042, testPost(), t0)
		if err := env.q.Dead(ctx, card, t0, time.Second, "channel_not_found"); err != nil {
			t.Fatal(err)
		}
		env.q.add(t, core.OutboxSlackUpdate, 1042, testPost(), t0)
		env.drain(t, 1)
		posts := env.slack.posted()
		if len(posts) != 1 || posts[0].ThreadTS != "" || !strings.Contains(posts[0].Blocks, "It is blank.") {
			t.Fatalf("posts %+v, want the redrawn card posted with its first message", posts)
		}
		if _, ts, _ := env.q.SlackThread(ctx, 1042); ts != posts[0].TS {
			t.Errorf("thread %q, want %q", ts, posts[0].TS)
		}
	})
	t.Run("notice alone", func(t *testing.T) {
		env := cardWorker(t)
		env.q.add(t, core.OutboxSlackNotice, 1042, core.SlackNotice{Department: "support", Number: 1042, Text: "SLA at risk", InThread: true}, t0)
		env.drain(t, 1)
		if posts := env.slack.posted(); len(posts) != 1 || posts[0].ThreadTS != "" || posts[0].Text != "[#1042] SLA at risk" {
			t.Fatalf("posts %+v, want the notice in the channel naming the ticket", posts)
		}
	})
	t.Run("pending card still waited for", func(t *testing.T) {
		env := cardWorker(t)
		env.slack.set("ratelimited_for_now", 0)
		env.q.add(t, core.OutboxSlackTicket, 1042, testPost(), t0)
		rid := env.q.add(t, core.OutboxSlackReply, 1042, testPost(), t0)
		env.drain(t, 0)
		env.slack.set("", 0)
		if r := env.q.row(rid); r.State != "pending" || r.Attempts != 0 {
			t.Fatalf("reply %+v, want it held behind the pending card", r)
		}
		env.clock.Add(time.Hour)
		env.drain(t, 2)
		if posts := env.slack.posted(); len(posts) != 2 || posts[1].ThreadTS != posts[0].TS {
			t.Fatalf("posts %+v, want the card and the reply in its thread", posts)
		}
	})
}
