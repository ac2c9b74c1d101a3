package slack

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

func TestEvents_URLVerification(t *testing.T) {
	env := mustDesk(t)
	body := `{"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	w := env.do(t, signed("/slack/events", "application/json", body, testSecret, time.Now()))
	if w.Code != http.StatusOK || w.Body.String() != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("answer %d %q, want the challenge", w.Code, w.Body.String())
	}
}

// An agent's reply in the thread is emailed to the customer once, even
// when Slack delivers the event again or the same message comes under
// another event id.
func TestEvents_ThreadReply(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	ev := event("Ev1", reply("U0AGENT", "1700000000.000100", "Please clear the cache &amp; try again: <https://docs.example/cache|the guide>"))
	env.postEvent(t, ev)
	retry := signed("/slack/events", "application/json", ev, testSecret, time.Now())
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	if w := env.do(t, retry); w.Code != http.StatusOK {
		t.Fatalf("retry answered %d", w.Code)
	}
	env.postEvent(t, event("Ev1-other", reply("U0AGENT", "1700000000.000100", "Please clear the cache")))

	mails := env.emails(t, n, core.TemplateReply)
	if len(mails) != 1 {
		t.Fatalf("%d answer mails, want exactly 1", len(mails))
	}
	want := "Please clear the cache & try again: the guide (https://docs.example/cache)"
	if mails[0].Data.Text != want || mails[0].To.Addr != "ann@shop.example" || mails[0].Data.Agent != "Dana" {
		t.Fatalf("answer mail %+v, want %q to ann by Dana", mails[0], want)
	}
	msgs := env.messages(t, n)
	last := msgs[len(msgs)-1]
	if len(msgs) != 2 || last.Direction != core.DirOutbound || last.Text != want || last.From != "U0AGENT" {
		t.Fatalf("messages %+v", msgs)
	}
	if r := env.ticket(t, n); r.Status != core.StatusInProgress || r.Assignee != "U0AGENT" {
		t.Fatalf("ticket %s assigned to %q, want in_progress and Dana", r.Status, r.Assignee)
	}
}

// "note:" keeps the message internal: stored as a note, never mailed.
func TestEvents_Note(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	env.postEvent(t, event("Ev2", reply("U0AGENT", "1700000000.000200", "Note: customer is on the old plan")))
	if mails := env.emails(t, n, core.TemplateReply); len(mails) != 0 {
		t.Fatalf("%d answer mails for a note", len(mails))
	}
	msgs := env.messages(t, n)
	if last := msgs[len(msgs)-1]; last.Direction != core.DirNote || last.Text != "customer is on the old plan" {
		t.Fatalf("last message %+v, want the note", last)
	}
	if r := env.ticket(t, n); r.Status != core.StatusSubmitted {
		t.Fatalf("a note moved the ticket to %s", r.Status)
	}
}

// The gateway's own posts, other bots' messages, joins, messages outside
// a thread and threads that are no ticket's change nothing.
func TestEvents_Ignored(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	before := env.snapshot(t, n)
	cases := []struct {
		name string
		msg  map[string]any
	}{
		{"OwnBotPost", func() map[string]any {
			m := reply("", "1700000000.000301", "Answer sent to the customer")
			m["bot_id"], m["subtype"] = "B0BOT", "bot_message"
			return m
		}()},
		{"OtherBot", func() map[string]any {
			m := reply("U0OTHERAPP", "1700000000.000302", "deploy finished")
			m["bot_id"] = "B0OTHER"
			return m
		}()},
		{"SelfUser", reply(botUser, "1700000000.000303", "posted as the bot user")},
		{"Join", func() map[string]any {
			m := reply("U0AGENT", "1700000000.000304", "<@U0AGENT> has joined the channel")
			m["subtype"] = "channel_join"
			return m
		}()},
		{"NotInThread", map[string]any{"user": "U0AGENT", "text": "morning all", "ts": "1700000000.000305"}},
		{"TheCardItself", map[string]any{"user": "U0AGENT", "text": "x", "ts": cardTS, "thread_ts": cardTS}},
		{"OtherThread", map[string]any{"user": "U0AGENT", "text": "x", "ts": "1700000000.000306", "thread_ts": "1600000000.000001"}},
		{"OtherChannel", func() map[string]any {
			m := reply("U0AGENT", "1700000000.000307", "x")
			m["channel"] = "C0RANDOM"
			return m
		}()},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env.postEvent(t, event("EvIgnored"+string(rune('a'+i)), c.msg))
			if got := env.snapshot(t, n); got != before {
				t.Fatalf("changed: %s, was %s", got, before)
			}
		})
	}
}

// Someone who is not an agent is told in the thread, politely, and
// nothing reaches the customer.
func TestEvents_NonAgent(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	before := env.messages(t, n)
	env.postEvent(t, event("Ev3", reply("U0STRANGER", "1700000000.000400", "I think it is the CDN")))
	env.postEvent(t, event("Ev3", reply("U0STRANGER", "1700000000.000400", "I think it is the CDN")))
	if mails := env.emails(t, n, core.TemplateReply); len(mails) != 0 {
		t.Fatalf("%d answer mails from a non-agent", len(mails))
	}
	if got := env.messages(t, n); len(got) != len(before) {
		t.Fatalf("%d messages, want %d", len(got), len(before))
	}
	ns := env.notices(t, n)
	if len(ns) != 1 || !ns[0].InThread || ns[0].Mention[0] != "U0STRANGER" || !strings.Contains(ns[0].Text, "only the support team's agents") {
		t.Fatalf("notices %+v, want one polite refusal in the thread", ns)
	}
	env.mu.Lock()
	calls := env.userCalls["U0STRANGER"]
	env.mu.Unlock()
	if calls != 1 {
		t.Errorf("users.info asked %d times for the stranger, want 1 (then cached)", calls)
	}
}

// An agent writing from a Slack account whose profile email is theirs
// is recognised.
func TestEvents_AgentByProfileEmail(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	env.postEvent(t, event("Ev4", reply("U0DANA2", "1700000000.000500", "On it.")))
	mails := env.emails(t, n, core.TemplateReply)
	if len(mails) != 1 || mails[0].Data.Agent != "Dana" {
		t.Fatalf("answer mails %+v, want one by Dana", mails)
	}
}

// A reply on a closed ticket is not sent; the thread says why.
func TestEvents_ClosedTicket(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	if _, err := env.svc.Act(t.Context(), n, core.Actor{Kind: core.ActorAgent, ID: "U0AGENT"}, "close"); err != nil {
		t.Fatal(err)
	}
	env.postEvent(t, event("Ev5", reply("U0AGENT", "1700000000.000600", "One more thing")))
	if mails := env.emails(t, n, core.TemplateReply); len(mails) != 0 {
		t.Fatalf("%d answer mails on a closed ticket", len(mails))
	}
	ns := env.notices(t, n)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "Not sent to the customer") || !strings.Contains(ns[0].Text, "closed") {
		t.Fatalf("notices %+v", ns)
	}
}

// An edit or deletion of an answer already emailed is reported in the
// thread, once per event; edits of other messages are not.
func TestEvents_EditAndDelete(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	const ts = "1700000000.000700"
	env.postEvent(t, event("Ev6", reply("U0AGENT", ts, "Try version 4.2")))
	edit := func(id, ts, before, after string) string {
		return event(id, map[string]any{"subtype": "message_changed", "hidden": true, "ts": "1700000000.000799",
			"message": map[string]any{"type": "message", "user": "U0AGENT", "text": after, "ts": ts, "thread_ts": cardTS,
				"edited": map[string]any{"user": "U0AGENT", "ts": "1700000000.000799"}},
			"previous_message": map[string]any{"type": "message", "user": "U0AGENT", "text": before, "ts": ts, "thread_ts": cardTS}})
	}
	env.postEvent(t, edit("Ev7", ts, "Try version 4.2", "Try version 4.3"))
	env.postEvent(t, edit("Ev7", ts, "Try version 4.2", "Try version 4.3"))          // Slack retrying
	env.postEvent(t, edit("Ev8", ts, "Try version 4.3", "Try version 4.3"))          // an unfurl: same text
	env.postEvent(t, edit("Ev9", "1700000000.000777", "someone else", "edited too")) // never taken
	ns := env.notices(t, n)
	if len(ns) != 1 || ns[0].Text != "An answer was edited after it was emailed; the customer has the original." {
		t.Fatalf("notices after the edit %+v", ns)
	}
	env.postEvent(t, event("Ev10", map[string]any{"subtype": "message_deleted", "hidden": true, "ts": "1700000000.000800",
		"deleted_ts": ts, "previous_message": map[string]any{"type": "message", "user": "U0AGENT", "text": "Try version 4.3", "ts": ts}}))
	ns = env.notices(t, n)
	if len(ns) != 2 || !strings.Contains(ns[1].Text, "deleted in Slack after it was emailed") || ns[1].Mention[0] != "U0AGENT" {
		t.Fatalf("notices after the deletion %+v", ns)
	}
	if mails := env.emails(t, n, core.TemplateReply); len(mails) != 1 || mails[0].Data.Text != "Try version 4.2" {
		t.Fatalf("answer mails %+v, want the original once", mails)
	}
}

// Without a URL to fetch them from, files shared with an answer
// reach the customer as links when public, by name otherwise (the
// gateway's tests fetch and attach them: TestAgentFilesReachTheCustomer).
func TestEvents_Files(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	m := reply("U0AGENT", "1700000000.000900", "Here is the fix.")
	m["subtype"] = "file_share"
	m["files"] = []map[string]any{
		{"id": "F1", "name": "patch.diff", "size": 2048, "public_url_shared": true, "permalink_public": "https://slack-files.com/T0-F1-abc"},
		{"id": "F2", "name": "internal.png", "size": 10, "public_url_shared": false, "permalink_public": "https://slack-files.com/T0-F2-def"},
	}
	env.postEvent(t, event("Ev11", m))
	mails := env.emails(t, n, core.TemplateReply)
	if len(mails) != 1 {
		t.Fatalf("%d answer mails", len(mails))
	}
	text := mails[0].Data.Text
	for _, want := range []string{"Here is the fix.", "patch.diff (2 KB): https://slack-files.com/T0-F1-abc", "internal.png (10 B): available on request"} {
		if !strings.Contains(text, want) {
			t.Errorf("mail text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "T0-F2-def") {
		t.Errorf("mail links a file that is not public:\n%s", text)
	}
}
