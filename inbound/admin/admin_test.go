package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

func MustOpen(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestHandler(t *testing.T) {
	db := MustOpen(t)
	if err := db.Quarantine(context.Background(), &core.Quarantined{Channel: "imap:support", Reason: "x", Size: 1}); err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	last := started.Add(time.Minute)
	m := NewMetrics()
	m.Received("smtp", "new")
	m.Notified("email", nil)
	m.Notified("slack_ticket", errors.New("down"))
	m.Swept(time.Millisecond)
	m.SMTPReplies([]SMTPReply{{250, "accepted"}, {550, "unknown_recipient"}})
	m.SMTPReply(550, "unknown_recipient")
	m.Intake("smtp", 20*time.Millisecond)
	m.Delivered(core.LaneMail, 3*time.Second)
	chans := []Channel{{Name: "support", Kind: "imap", Enabled: true, OK: true, State: "idle", LastSuccess: &last, LastError: "x",
		LagMessages: 3}}
	var stopping bool
	srv := httptest.NewServer(New(db, Options{Token: "t0ken", Version: "test", Started: started, Metrics: m,
		Now:      func() time.Time { return started.Add(90 * time.Second) },
		Credits:  func(context.Context) (*Credits, error) { return &Credits{Balance: 7}, nil },
		Channels: func() []Channel { return chans }, Stopping: func() bool { return stopping }}))
	defer srv.Close()

	get := func(path, token string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, c := range []struct {
		path, token string
		code        int
	}{
		{"/healthz", "", 200},
		{"/healthz", "wrong", 200},
		{"/readyz", "", 401},
		{"/readyz", "wrong", 401},
		{"/readyz", "t0ken", 200},
		{"/status", "", 401},
		{"/status", "wrong", 401},
		{"/status", "t0ken", 200},
		{"/metrics", "", 401},
		{"/metrics", "t0ken0", 401},
		{"/metrics", "t0ken", 200},
	} {
		if resp, _ := get(c.path, c.token); resp.StatusCode != c.code {
			t.Errorf("GET %s with token %q: %d, want %d", c.path, c.token, resp.StatusCode, c.code)
		}
	}

	_, body := get("/status", "t0ken")
	var st Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Version != "test" || st.UptimeSeconds != 90 || st.Database != "ok" || st.TicketsByStatus == nil ||
		st.Quarantined != 1 || st.Credits == nil || st.Credits.Balance != 7 ||
		len(st.Channels) != 1 || st.Channels[0].State != "idle" || st.Channels[0].LastError != "x" {
		t.Fatalf("status %+v", st)
	}
	var raw map[string]any
	json.Unmarshal([]byte(body), &raw)
	for _, k := range []string{"version", "uptime_seconds", "tickets_by_status", "tickets_by_department", "queue_head",
		"sla", "outbox", "quarantined", "channels", "credits"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("/status lacks %q", k)
		}
	}

	_, body = get("/metrics", "t0ken")
	for _, name := range []string{
		`helpdesk_mails_received_total{channel="smtp",outcome="new"} 1`,
		`helpdesk_notifications_sent_total{kind="email"} 1`,
		`helpdesk_notifications_failed_total{kind="slack_ticket"} 1`,
		"helpdesk_outbox_backlog 0", "helpdesk_outbox_oldest_age_seconds 0",
		`helpdesk_sla_tickets{state="at_risk"} 0`, `helpdesk_sla_tickets{state="breached"} 0`,
		`helpdesk_imap_last_success_timestamp_seconds{mailbox="support"} 1.79524806e+09`,
		"helpdesk_sweep_duration_seconds_count 1", "helpdesk_quarantined_mails 1", "helpdesk_search_index_waiting ",
		`helpdesk_channel_enabled{channel="support",kind="imap"} 1`, "go_goroutines",
		`helpdesk_smtp_replies_total{code="250",reason="accepted"} 0`,
		`helpdesk_smtp_replies_total{code="550",reason="unknown_recipient"} 1`,
		`helpdesk_intake_seconds_bucket{channel="smtp",le="0.025"} 1`,
		`helpdesk_notification_delivery_seconds_bucket{lane="mail",le="5"} 1`,
		`helpdesk_notification_delivery_seconds_count{lane="slack"} 0`,
		`helpdesk_imap_lag_messages{mailbox="support"} 3`,
		`helpdesk_build_info{goversion="go`, "helpdesk_outbox_dead 0",
	} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	// /readyz is about taking mail: a failing mailbox, relay or Slack
	// leaves it ready; an SMTP listener that does not listen, or a
	// shutdown, does not.
	chans[0].OK = false
	chans = append(chans, Channel{Name: "relay", Kind: "relay", Enabled: true, State: "failing"})
	if resp, body := get("/readyz", "t0ken"); resp.StatusCode != 200 {
		t.Fatalf("readyz with a failing mailbox and relay: %d %s", resp.StatusCode, body)
	}
	chans = append(chans, Channel{Name: "smtp", Kind: "smtp", Enabled: true})
	resp, body := get("/readyz", "t0ken")
	if resp.StatusCode != 503 || !strings.Contains(body, `"channel smtp"`) {
		t.Fatalf("readyz with SMTP not listening: %d %s", resp.StatusCode, body)
	}
	chans[len(chans)-1].OK = true
	stopping = true
	if resp, body := get("/readyz", "t0ken"); resp.StatusCode != 503 || !strings.Contains(body, "shutting down") {
		t.Fatalf("readyz while shutting down: %d %s", resp.StatusCode, body)
	}
}

// A database that refuses writes makes /readyz 503.
func TestReady_Database(t *testing.T) {
	db := MustOpen(t)
	db.Close()
	srv := httptest.NewServer(New(db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(b), `"database: write failed`) {
		t.Fatalf("readyz on a closed database: %d %s", resp.StatusCode, b)
	}
	// /status says "error" without the driver's text.
	resp, err = http.Get(srv.URL + "/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(b), `"database": "error"`) || strings.Contains(string(b), "closed") {
		t.Fatalf("status on a closed database: %d %s", resp.StatusCode, b)
	}
}
