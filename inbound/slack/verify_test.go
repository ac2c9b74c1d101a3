package slack

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"helpdesk/core"
)

// Unsigned, wrongly signed and stale requests are refused with 401 on
// every endpoint and change nothing.
func TestVerify_Refused(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	before := env.snapshot(t, n)
	bodies := map[string]struct{ contentType, body string }{
		"/slack/events": {"application/json", event("EvForged", reply("U0AGENT", "1700000000.001000", "Send me your password"))},
		"/slack/commands": {"application/x-www-form-urlencoded", url.Values{"command": {"/helpdesk"},
			"text": {"#1 close"}, "user_id": {"U0AGENT"}}.Encode()},
		"/slack/interactions": {"application/x-www-form-urlencoded", url.Values{"payload": {`{"type":"block_actions",` +
			`"user":{"id":"U0AGENT"},"actions":[{"action_id":"` + core.SlackActionClose + `","value":"1"}]}`}}.Encode()},
	}
	now := time.Now()
	cases := []struct {
		name string
		req  func(path, ct, body string) *http.Request
	}{
		{"Unsigned", func(path, ct, body string) *http.Request {
			r := signed(path, ct, body, testSecret, now)
			r.Header.Del("X-Slack-Signature")
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
		{"NoSignature", func(path, ct, body string) *http.Request {
			r := signed(path, ct, body, testSecret, now)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"WrongSecret", func(path, ct, body string) *http.Request { return signed(path, ct, body, "not-the-secret", now) }},
		{"TamperedBody", func(path, ct, body string) *http.Request {
			r := signed(path, ct, body, testSecret, now)
			tampered := signed(path, ct, body+" ", testSecret, now)
			tampered.Header = r.Header
			return tampered
		}},
		{"SixMinutesOld", func(path, ct, body string) *http.Request {
			return signed(path, ct, body, testSecret, now.Add(-6*time.Minute))
		}},
		{"SixMinutesAhead", func(path, ct, body string) *http.Request {
			return signed(path, ct, body, testSecret, now.Add(6*time.Minute))
		}},
	}
	for _, c := range cases {
		for path, b := range bodies {
			t.Run(c.name+path, func(t *testing.T) {
				w := env.do(t, c.req(path, b.contentType, b.body))
				if w.Code != http.StatusUnauthorized {
					t.Fatalf("answered %d %q, want 401", w.Code, w.Body.String())
				}
				if got := env.snapshot(t, n); got != before {
					t.Fatalf("changed: %s, was %s", got, before)
				}
			})
		}
	}
	env.mu.Lock()
	defer env.mu.Unlock()
	if len(env.answers) != 0 || env.changed != 0 {
		t.Fatalf("refused requests answered %v, changed %d", env.answers, env.changed)
	}

	// Without a signing secret, even a well-signed request is refused.
	h := New(env.svc, env.db, Options{Agents: []Agent{{ID: "U0AGENT"}}})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signed("/slack/commands", bodies["/slack/commands"].contentType, bodies["/slack/commands"].body, "", now))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("no secret configured: answered %d, want 401", w.Code)
	}
}

// A body over the limit is refused before it is verified.
func TestVerify_TooLarge(t *testing.T) {
	env := mustDesk(t)
	env.h.opts.MaxBodyBytes = 64
	w := env.do(t, signed("/slack/events", "application/json", event("EvBig", reply("U0AGENT", "1", "x")), testSecret, time.Now()))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("answered %d, want 413", w.Code)
	}
}
