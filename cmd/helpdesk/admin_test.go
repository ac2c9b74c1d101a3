package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/inbound/admin"
	"helpdesk/internal/demo"
	"helpdesk/store"
)

func init() {
	// The serve that TestServe_Admin runs reads the channels table often,
	// so toggles show within the test's patience.
	if os.Getenv("TEST_HELPDESK_RUN_MAIN") == "1" {
		gateway.ChannelPollInterval = 100 * time.Millisecond
	}
}

// Secrets of TestServe_Admin's configuration: none may reach the log.
const (
	secretIMAP    = "imap-pw-4f1c9e"
	secretBadIMAP = "wrong-pw-77a0d2"
	secretSlack   = "xoxb-slack-token-9d2e"
	secretSigning = "signing-secret-c3b8"
	secretHTTP    = "admin-token-5e6f"
	secretReply   = "reply-secret-a1b2"
)

// freeAddr returns a loopback address nothing listens on, for a config
// that `helpdesk status` reads.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// liveServe is a `serve` process with its log.
type liveServe struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  []string
	done chan struct{}
}

func (s *liveServe) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

func startServe(t *testing.T, cfgPath string) *liveServe {
	t.Helper()
	s := &liveServe{cmd: exec.Command(os.Args[0]), done: make(chan struct{})}
	s.cmd.Env = append(os.Environ(), "TEST_HELPDESK_RUN_MAIN=1", "TEST_HELPDESK_ARGS=serve --config "+cfgPath)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); <-s.done })
	started := make(chan struct{})
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			s.mu.Unlock()
			if strings.Contains(sc.Text(), `msg="helpdesk started"`) {
				once.Do(func() { close(started) })
			}
		}
		s.cmd.Wait()
	}()
	select {
	case <-started:
	case <-s.done:
		t.Fatalf("serve exited:\n%s", s.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not start:\n%s", s.logText())
	}
	return s
}

// TestServe_Admin runs `serve` as a real process with an in-memory IMAP
// mailbox, a capturing relay and a fake Slack, and drives the admin
// surface: every endpoint with and without the token, the CLI's status,
// channel toggles taking effect while it runs, verify with good and bad
// credentials, quarantine retry, and no secret in the log.
func TestServe_Admin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	ctx := context.Background()
	mbox, err := demo.StartMemIMAP("support", secretIMAP)
	if err != nil {
		t.Fatal(err)
	}
	defer mbox.Close()
	relay, err := demo.StartCaptureRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	slack := demo.StartFakeSlack()
	defer slack.Close()

	dir := t.TempDir()
	httpAddr, smtpAddr := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf(`domain = "support.example.com"
secret = %q
[store]
path = %q
[smtp]
listen = %q
[http]
listen = %q
token = %q
[mail]
relay = %q
from = "Support <support@support.example.com>"
[slack]
token = %q
signing_secret = %q
api_url = %q
[outbox]
poll_interval = "100ms"
[[imap]]
name = "mailbox"
address = %q
username = "support"
password = %q
poll_interval = "100ms"
idle = false
`, secretReply, filepath.Join(dir, "helpdesk.db"), smtpAddr, httpAddr, secretHTTP, relay.Addr,
		secretSlack, secretSigning, slack.URL(), mbox.Addr, secretIMAP)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, cfgPath)
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := Run(ctx, append(args, "--config", cfgPath), &out, &errb, nil)
		return out.String() + errb.String(), err
	}
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+httpAddr+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status := func() admin.Status {
		code, body := get("/status", secretHTTP)
		var st admin.Status
		if err := json.Unmarshal([]byte(body), &st); err != nil || code != 200 {
			t.Fatalf("/status %d %s: %v", code, body, err)
		}
		return st
	}
	channel := func(name string) admin.Channel {
		for _, c := range status().Channels {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no channel %s on /status", name)
		return admin.Channel{}
	}
	within := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 10 s\n%s", what, srv.logText())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	db, err := store.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tickets := func() int {
		c, err := db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range c.TicketsByStatus {
			n += v
		}
		return n
	}

	t.Run("Endpoints", func(t *testing.T) {
		for _, c := range []struct {
			path, token string
			code        int
		}{
			{"/healthz", "", 200}, {"/readyz", "", 401}, {"/status", "", 401}, {"/metrics", "", 401},
			{"/readyz", "nope", 401}, {"/status", "nope", 401}, {"/metrics", "nope", 401},
			{"/status", secretHTTP, 200}, {"/metrics", secretHTTP, 200},
		} {
			if code, body := get(c.path, c.token); code != c.code {
				t.Errorf("GET %s token %q: %d, want %d: %s", c.path, c.token, code, c.code, body)
			}
		}
		within("mailbox connected and /readyz 200", func() bool {
			code, _ := get("/readyz", secretHTTP)
			return code == 200 && channel("mailbox").OK
		})
		st := status()
		var names []string
		for _, c := range st.Channels {
			names = append(names, c.Kind+":"+c.Name)
		}
		if got := strings.Join(names, " "); got != "imap:mailbox relay:relay slack:slack smtp:smtp" {
			t.Errorf("channels %s", got)
		}
		if st.Version == "" || st.Database != "ok" || st.UptimeSeconds < 0 || st.Credits == nil || st.TicketsByDepartment == nil {
			t.Errorf("status %+v", st)
		}
		_, metrics := get("/metrics", secretHTTP)
		for _, name := range []string{"helpdesk_notifications_sent_total",
			"helpdesk_notifications_failed_total", "helpdesk_outbox_backlog", "helpdesk_outbox_oldest_age_seconds",
			"helpdesk_sla_tickets", `helpdesk_imap_last_success_timestamp_seconds{mailbox="mailbox"}`,
			"helpdesk_sweep_duration_seconds", "helpdesk_channel_enabled"} {
			if !strings.Contains(metrics, name) {
				t.Errorf("/metrics lacks %s", name)
			}
		}
	})

	t.Run("DisableIMAP", func(t *testing.T) {
		if out, err := cli("channel", "disable", "mailbox"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		within("poller stopped", func() bool { c := channel("mailbox"); return c.State == "disabled" && !c.Connected })
		before := tickets()
		if err := mbox.Deliver("From: Bob <bob@another.example>\r\nTo: support@support.example.com\r\n" +
			"Subject: while disabled\r\nMessage-ID: <off-1@another.example>\r\n\r\nhello\r\n"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // five poll intervals
		if n := tickets(); n != before {
			t.Fatalf("%d tickets while the mailbox is disabled, want %d", n, before)
		}
		if out, err := cli("channel", "enable", "mailbox"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		within("mail taken once enabled", func() bool { return tickets() == before+1 })
		// The poller counts a mail when core's commit returns, a moment after
		// the ticket is visible to another reader.
		within("/metrics counts the IMAP mail", func() bool {
			_, metrics := get("/metrics", secretHTTP)
			return strings.Contains(metrics, `helpdesk_mails_received_total{channel="imap:mailbox",outcome="new"} 1`)
		})
	})

	t.Run("DisableRelay", func(t *testing.T) {
		within("the earlier acknowledgment sent", func() bool { return len(relay.Mail()) >= 1 })
		mails, posts := len(relay.Mail()), len(slack.Posts())
		if out, err := cli("channel", "disable", "relay"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		within("relay holding", func() bool { return channel("relay").State == "holding" })
		if err := sendMail(smtpAddr, "ann@shop.example", "Subject: relay off\r\nMessage-ID: <relay-off@shop.example>"); err != nil {
			t.Fatal(err)
		}
		within("Slack card posted while the relay is off", func() bool { return len(slack.Posts()) > posts })
		time.Sleep(300 * time.Millisecond)
		if n := len(relay.Mail()); n != mails {
			t.Fatalf("relay got %d mails while disabled, want %d", n, mails)
		}
		if st := status(); st.Outbox.Pending < 1 {
			t.Fatalf("outbox %+v, want the acknowledgment held", st.Outbox)
		}
		if out, err := cli("channel", "enable", "relay"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		within("held mail delivered", func() bool { return len(relay.Mail()) == mails+1 })
	})

	t.Run("DisableSMTP", func(t *testing.T) {
		if out, err := cli("channel", "disable", "smtp"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		within("listener refusing", func() bool { return channel("smtp").State == "disabled" })
		err := sendMail(smtpAddr, "ann@shop.example", "Subject: smtp off\r\nMessage-ID: <smtp-off@shop.example>")
		if err == nil || !strings.Contains(err.Error(), "421") {
			t.Fatalf("send to a disabled listener: %v, want 421", err)
		}
		if out, err := cli("channel", "enable", "smtp"); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		within("listener accepting", func() bool { return channel("smtp").State == "listening" })
		if err := sendMail(smtpAddr, "ann@shop.example", "Subject: smtp on\r\nMessage-ID: <smtp-on@shop.example>"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Verify", func(t *testing.T) {
		out, err := cli("channel", "verify", "mailbox")
		if err != nil || !strings.Contains(out, "imap mailbox: ok: logged in as support") {
			t.Fatalf("verify good mailbox: %v: %s", err, out)
		}
		if out, err := cli("channel", "verify", "relay"); err != nil || !strings.Contains(out, "nothing was sent") {
			t.Fatalf("verify relay: %v: %s", err, out)
		}
		if out, err := cli("channel", "verify", "slack"); err != nil || !strings.Contains(out, "slack: ok") {
			t.Fatalf("verify slack: %v: %s", err, out)
		}
		pw := filepath.Join(dir, "pw")
		os.WriteFile(pw, []byte(secretBadIMAP+"\n"), 0o600)
		if out, err := cli("channel", "add", "other", "--address", mbox.Addr, "--username", "support", "--password-file", pw, "--disabled"); err != nil {
			t.Fatalf("add: %v: %s", err, out)
		}
		_, err = cli("channel", "verify", "other")
		if err == nil || !strings.Contains(err.Error(), "login refused for user support") {
			t.Fatalf("verify with a wrong password: %v", err)
		}
		out, _ = cli("channel", "list")
		if !strings.Contains(out, "other") || !strings.Contains(out, "cli") || strings.Contains(out, secretBadIMAP) {
			t.Fatalf("channel list:\n%s", out)
		}
		// Enabled, the bad mailbox shows failing on /status, but serve
		// still takes mail: /readyz stays 200.
		cli("channel", "enable", "other")
		within("a failing mailbox on /status", func() bool {
			for _, c := range status().Channels {
				if c.Name == "other" {
					return c.Enabled && !c.OK && c.LastError != ""
				}
			}
			return false
		})
		if code, body := get("/readyz", secretHTTP); code != 200 {
			t.Fatalf("readyz with a failing mailbox: %d %s", code, body)
		}
		if out, err := cli("channel", "remove", "other"); err != nil {
			t.Fatalf("remove: %v: %s", err, out)
		}
		within("the removed mailbox gone from /status", func() bool { return len(status().Channels) == 4 })
	})

	t.Run("Quarantine", func(t *testing.T) {
		raw := "From: Cid <cid@third.example>\r\nTo: support@support.example.com\r\nSubject: stuck\r\n" +
			"Message-ID: <stuck@third.example>\r\n\r\nplease\r\n"
		q := &core.Quarantined{Channel: "imap:mailbox", Ref: "INBOX UID 99", MessageID: "stuck@third.example",
			Reason: "storage was full", Size: len(raw), Raw: []byte(raw)}
		if err := db.Quarantine(ctx, q); err != nil {
			t.Fatal(err)
		}
		if out, _ := cli("quarantine", "list"); !strings.Contains(out, "storage was full") {
			t.Fatalf("quarantine list:\n%s", out)
		}
		if out, _ := cli("quarantine", "show", fmt.Sprint(q.ID)); !strings.Contains(out, "Subject: stuck") || !strings.Contains(out, "reason:     storage was full") {
			t.Fatalf("quarantine show:\n%s", out)
		}
		before := tickets()
		if out, err := cli("quarantine", "retry", fmt.Sprint(q.ID)); err != nil || !strings.Contains(out, "received: new") {
			t.Fatalf("retry: %v: %s", err, out)
		}
		if tickets() != before+1 {
			t.Fatal("retry opened no ticket")
		}
		if _, err := cli("quarantine", "show", fmt.Sprint(q.ID)); err == nil {
			t.Fatal("the retried mail is still in quarantine")
		}
	})

	t.Run("StatusCLI", func(t *testing.T) {
		out, err := cli("status")
		if err != nil || !strings.Contains(out, "from serve at "+httpAddr) || !regexp.MustCompile(`mailbox\s+imap\s+yes\s+(idle|polling|syncing)`).MatchString(out) {
			t.Fatalf("status: %v:\n%s", err, out)
		}
		t.Logf("helpdesk status:\n%s", out)
		out, err = cli("status", "--json")
		var st admin.Status
		if err != nil || json.Unmarshal([]byte(out), &st) != nil || st.UptimeSeconds < 0 || len(st.Channels) != 4 {
			t.Fatalf("status --json: %v:\n%s", err, out)
		}
		out, err = cli("status", "--direct")
		if err != nil || !strings.Contains(out, "from database") || !strings.Contains(out, "not_running") {
			t.Fatalf("status --direct: %v:\n%s", err, out)
		}
	})

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve still running 30 s after SIGTERM")
	}
	log := srv.logText()
	for _, s := range []string{secretIMAP, secretBadIMAP, secretSlack, secretSigning, secretHTTP, secretReply} {
		if strings.Contains(log, s) {
			t.Errorf("the log contains the secret %q", s)
		}
	}
	if strings.Contains(log, "DATA RACE") || strings.Contains(log, "panic") {
		t.Errorf("serve reported a race or a panic:\n%s", log)
	}
	if !strings.Contains(log, "imap session failed") {
		t.Errorf("the log lacks the failing mailbox's error, so the secret check proves little:\n%s", log)
	}
}

// sendMail sends one mail to the gateway's SMTP listener.
func sendMail(addr, from, headers string) error {
	c, err := gosmtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	msg := "From: " + from + "\r\nTo: support@support.example.com\r\n" + headers + "\r\n\r\nhello\r\n"
	return c.SendMail(from, []string{"support@support.example.com"}, strings.NewReader(msg))
}

// Verify says which step failed: the relay's dial, Slack's auth.test.
func TestChannel_VerifyFailures(t *testing.T) {
	ctx := context.Background()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	defer bad.Close()
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "h.db")
	cfg.Mail.Relay = freeAddr(t) // nothing listens
	cfg.Slack.Token, cfg.Slack.APIURL = "xoxb-bad", bad.URL+"/"
	db, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := gateway.SeedChannels(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, want string }{
		{"relay", "relay: " + cfg.Mail.Relay + ": connect"},
		{"slack", "slack: auth.test refused: invalid_auth"},
		{"nope", `no channel named "nope"`},
	} {
		err := gateway.VerifyChannel(ctx, db, cfg, c.name, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("verify %s: %v, want %q", c.name, err, c.want)
		}
	}
}
