package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"

	"helpdesk/core"
	"helpdesk/internal/storetest"
	"helpdesk/store"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	channel    = "C0SUPPORT"
	cardTS     = "1700000000.000001"
	botUser    = "U0BOT"
)

// deskEnv is the desk over a real database and core, with a fake Slack
// Web API (slacktest) for users.info, auth.test, chat.getPermalink and
// the buttons' response_url.
type deskEnv struct {
	db    *store.DB
	svc   *core.Service
	h     *Handler
	slack *slacktest.Server
	now   time.Time

	mu        sync.Mutex
	answers   []string       // texts posted to the response_url
	userCalls map[string]int // users.info calls per user
	changed   int
}

// profiles are the emails of Slack profiles the fake users.info knows.
var profiles = map[string]string{
	"U0AGENT":    "dana@support.example.com",
	"U0DANA2":    "Dana@Support.Example.com", // Dana's other account: recognised by email
	"U0BOB":      "bob@support.example.com",
	"U0STRANGER": "eve@elsewhere.example",
}

func mustDesk(t *testing.T) *deskEnv {
	t.Helper()
	env := &deskEnv{now: time.Now().UTC(), userCalls: map[string]int{}}
	db := storetest.Open(t)
	env.db = db
	var err error
	env.svc, err = core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: []byte("test-secret"),
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
			{Name: "sales", Addresses: []string{"sales@support.example.com"}},
		},
		Now: func() time.Time { return env.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	env.slack = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/users.info", env.usersInfo)
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"ok": true, "user_id": botUser, "bot_id": "B0BOT", "team_id": "T0"})
		})
		c.Handle("/chat.getPermalink", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			writeJSON(w, map[string]any{"ok": true, "channel": r.FormValue("channel"),
				"permalink": "https://example.slack.com/archives/" + r.FormValue("channel") + "/p" + strings.ReplaceAll(r.FormValue("message_ts"), ".", "")})
		})
		c.Handle("/response", func(w http.ResponseWriter, r *http.Request) {
			var m slack.WebhookMessage
			json.NewDecoder(r.Body).Decode(&m)
			env.mu.Lock()
			switch {
			case m.ResponseType == "ephemeral" && !m.ReplaceOriginal:
				env.answers = append(env.answers, m.Text)
			case m.ResponseType == "ephemeral":
				// A saved reply's preview is replaced by what its button did.
				env.answers = append(env.answers, "REPLACED: "+m.Text)
			default:
				env.answers = append(env.answers, "NOT EPHEMERAL: "+m.Text)
			}
			env.mu.Unlock()
			w.Write([]byte("ok"))
		})
	})
	env.slack.Start()
	t.Cleanup(env.slack.Stop)
	api := slack.New("xoxb-test", slack.OptionAPIURL(env.slack.GetAPIURL()))
	env.h = New(env.svc, db, Options{
		SigningSecret: testSecret,
		Agents: []Agent{
			{ID: "U0AGENT", Name: "Dana", Email: "dana@support.example.com"},
			{ID: "U0BOB", Name: "Bob", Email: "bob@support.example.com"},
			{ID: "U0SALES", Name: "Sam", Departments: []string{"sales"}},
		},
		// The fake Slack's response_url is on loopback.
		ResponseURLHosts: []string{"127.0.0.1"},
		API:              api,
		Replies:          env.svc,
		Changed:          func() { env.mu.Lock(); env.changed++; env.mu.Unlock() },
		Logger:           slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	return env
}

func (env *deskEnv) usersInfo(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := r.FormValue("user")
	env.mu.Lock()
	env.userCalls[id]++
	env.mu.Unlock()
	email, ok := profiles[id]
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "name": id, "profile": map[string]any{"email": email}}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

var mailSeq int

// mustTicket opens a ticket by mail and gives it a card in the channel.
func (env *deskEnv) mustTicket(t *testing.T, from string) int64 {
	t.Helper()
	ctx := context.Background()
	mailSeq++
	id := fmt.Sprintf("m%d@shop.example", mailSeq)
	rc, err := env.svc.Receive(ctx, &core.Email{
		MessageID: id, From: core.Address{Name: "Ann", Addr: from}, Subject: "Checkout is blank",
		Text: "The checkout page is white.", BodyHash: "h-" + id, Raw: []byte("raw " + id),
		Envelope: core.Envelope{Sender: from, Recipients: []string{"support@support.example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := cardTS
	if rc.Ticket > 1 {
		ts = fmt.Sprintf("1700000000.%06d", rc.Ticket*1000)
	}
	if err := env.db.SetSlackThread(ctx, rc.Ticket, channel, ts); err != nil {
		t.Fatal(err)
	}
	return rc.Ticket
}

// signed builds a request signed with secret at the given time.
func signed(path, contentType, body, secret string, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// do sends a request to the desk and returns its answer.
func (env *deskEnv) do(t *testing.T, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	env.h.ServeHTTP(w, r)
	return w
}

// event is an Events API callback with a message event.
func event(id string, msg map[string]any) string {
	msg["type"] = "message"
	if _, ok := msg["channel"]; !ok {
		msg["channel"] = channel
	}
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T0", "api_app_id": "A0", "type": "event_callback",
		"event_id": id, "event_time": time.Now().Unix(), "event": msg,
	})
	return string(b)
}

// reply is an agent's message in the card's thread.
func reply(user, ts, text string) map[string]any {
	return map[string]any{"user": user, "text": text, "ts": ts, "thread_ts": cardTS, "channel_type": "channel"}
}

// postEvent sends a signed event and checks the answer is 200.
func (env *deskEnv) postEvent(t *testing.T, body string) {
	t.Helper()
	w := env.do(t, signed("/slack/events", "application/json", body, testSecret, time.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("event answered %d %s", w.Code, w.Body.String())
	}
}

// command sends a signed /helpdesk and returns its ephemeral answer.
func (env *deskEnv) command(t *testing.T, user, text string) string {
	t.Helper()
	form := url.Values{"command": {"/helpdesk"}, "text": {text}, "user_id": {user}, "user_name": {user},
		"channel_id": {channel}, "team_id": {"T0"}, "response_url": {env.slack.GetAPIURL() + "response"},
		"trigger_id": {"trig"}, "token": {"legacy"}}
	w := env.do(t, signed("/slack/commands", "application/x-www-form-urlencoded", form.Encode(), testSecret, time.Now()))
	if w.Code != http.StatusOK {
		t.Fatalf("/helpdesk %s answered %d %s", text, w.Code, w.Body.String())
	}
	var res struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatalf("/helpdesk %s: %v: %s", text, err, w.Body.String())
	}
	if res.ResponseType != "ephemeral" {
		t.Fatalf("/helpdesk %s answered %q, want ephemeral", text, res.ResponseType)
	}
	return res.Text
}

// pressAt sends a signed button press naming responseURL and returns
// the desk's answer.
func (env *deskEnv) pressAt(t *testing.T, user, actionID string, n int64, responseURL string) *httptest.ResponseRecorder {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user}, "team": map[string]any{"id": "T0"},
		"channel": map[string]any{"id": channel}, "response_url": responseURL,
		"container": map[string]any{"type": "message", "message_ts": cardTS, "channel_id": channel},
		"actions": []map[string]any{{"action_id": actionID, "block_id": "ticket", "type": "button",
			"value": strconv.FormatInt(n, 10), "action_ts": "1700000001.000001"}},
	})
	body := url.Values{"payload": {string(payload)}}.Encode()
	return env.do(t, signed("/slack/interactions", "application/x-www-form-urlencoded", body, testSecret, time.Now()))
}

// press sends a signed button press and returns the ephemeral answer.
func (env *deskEnv) press(t *testing.T, user, actionID string, n int64) string {
	t.Helper()
	env.mu.Lock()
	before := len(env.answers)
	env.mu.Unlock()
	w := env.pressAt(t, user, actionID, n, env.slack.GetAPIURL()+"response")
	if w.Code != http.StatusOK {
		t.Fatalf("button %s answered %d %s", actionID, w.Code, w.Body.String())
	}
	env.mu.Lock()
	defer env.mu.Unlock()
	if len(env.answers) != before+1 {
		t.Fatalf("button %s: %d answers, want 1", actionID, len(env.answers)-before)
	}
	return env.answers[before]
}

// outbox returns the pending outbox rows of a ticket by kind.
func (env *deskEnv) outbox(t *testing.T, n int64) map[string][]core.OutboxItem {
	t.Helper()
	items, err := env.db.Due(context.Background(), env.now.Add(24*time.Hour), 10000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]core.OutboxItem{}
	for _, it := range items {
		if it.Ticket == n {
			out[it.Kind] = append(out[it.Kind], it)
		}
	}
	return out
}

// emails returns the customer mails of a ticket with the given template.
func (env *deskEnv) emails(t *testing.T, n int64, template string) []core.EmailNotice {
	t.Helper()
	var out []core.EmailNotice
	for _, it := range env.outbox(t, n)[core.OutboxEmail] {
		var e core.EmailNotice
		if err := json.Unmarshal(it.Payload, &e); err != nil {
			t.Fatal(err)
		}
		if e.Template == template {
			out = append(out, e)
		}
	}
	return out
}

// notices returns the texts of the Slack notices of a ticket.
func (env *deskEnv) notices(t *testing.T, n int64) []core.SlackNotice {
	t.Helper()
	var out []core.SlackNotice
	for _, it := range env.outbox(t, n)[core.OutboxSlackNotice] {
		var sn core.SlackNotice
		if err := json.Unmarshal(it.Payload, &sn); err != nil {
			t.Fatal(err)
		}
		out = append(out, sn)
	}
	return out
}

func (env *deskEnv) messages(t *testing.T, n int64) []core.Message {
	t.Helper()
	msgs, err := env.db.Messages(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func (env *deskEnv) ticket(t *testing.T, n int64) *core.TicketSummary {
	t.Helper()
	r, err := env.db.TicketRow(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// snapshot is everything a refused request must leave alone.
func (env *deskEnv) snapshot(t *testing.T, n int64) string {
	t.Helper()
	r := env.ticket(t, n)
	rows := env.outbox(t, n)
	return fmt.Sprintf("%s %s %s %v %d msgs, %d mails, %d posts, %d updates, %d notices", r.Status, r.Priority,
		r.Assignee, r.Solved, len(env.messages(t, n)), len(rows[core.OutboxEmail]), len(rows[core.OutboxSlackReply]),
		len(rows[core.OutboxSlackUpdate]), len(rows[core.OutboxSlackNotice]))
}

var _ io.Writer = testWriter{}
