package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/internal/demo"
)

// TestServe_SIGHUP reloads a running serve: a department's Slack channel
// changes under an SMTP session in progress, whose mail (and the next
// one) gets its card in the new channel; a restart-only change is named
// in the log; a broken file is refused and the running configuration
// stays.
func TestServe_SIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	slack := demo.StartFakeSlack()
	defer slack.Close()
	dir := t.TempDir()
	smtpAddr, httpAddr := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	write := func(channel, extra string) {
		t.Helper()
		cfg := fmt.Sprintf(`domain = "support.example.com"
[store]
path = %q
[smtp]
listen = %q
%s
[http]
listen = %q
[mail]
dir = %q
[slack]
token = "xoxb-reload"
api_url = %q
[outbox]
poll_interval = "100ms"
[departments.support]
slack_channel = %q
`, filepath.Join(dir, "helpdesk.db"), smtpAddr, extra, httpAddr, filepath.Join(dir, "mail"), slack.URL(), channel)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("C0OLD", "")
	srv := startServe(t, cfgPath)
	within := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 15 s\n%s", what, srv.logText())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	hup := func() {
		t.Helper()
		if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}

	// A session in progress: connected, MAIL FROM sent.
	c, err := gosmtp.Dial(smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("ann@shop.example", nil); err != nil {
		t.Fatal(err)
	}

	write("C0NEW", "max_message_bytes = 1000000")
	hup()
	within("the reload logged", func() bool {
		return strings.Contains(srv.logText(), "key=departments.support.slack_channel from=C0OLD to=C0NEW")
	})
	log := srv.logText()
	if !strings.Contains(log, `msg="configuration reloaded: needs a restart to take effect" key=smtp.max_message_bytes`) {
		t.Fatalf("the restart-only change is not named:\n%s", log)
	}
	if strings.Count(log, "needs a restart") != 1 {
		t.Fatalf("only smtp.max_message_bytes needs a restart:\n%s", log)
	}

	// The session goes on and ends with 250.
	if err := c.Rcpt("support@support.example.com", nil); err != nil {
		t.Fatal(err)
	}
	wc, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(wc, "From: ann@shop.example\r\nSubject: during reload\r\nMessage-ID: <hup1@shop.example>\r\n\r\nhello\r\n")
	if err := wc.Close(); err != nil {
		t.Fatalf("DATA after the reload: %v", err)
	}
	c.Quit()
	if err := sendMail(smtpAddr, "bob@shop.example", "Subject: after reload\r\nMessage-ID: <hup2@shop.example>"); err != nil {
		t.Fatal(err)
	}
	within("two cards posted", func() bool { return len(slack.Posts()) >= 2 })
	for _, p := range slack.Posts() {
		if p.Channel != "C0NEW" {
			t.Fatalf("card posted to %s, want C0NEW (the reloaded channel)", p.Channel)
		}
	}

	// A broken file is refused; the running configuration stays.
	if err := os.WriteFile(cfgPath, []byte("domain = \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup()
	within("the bad reload refused", func() bool {
		return strings.Contains(srv.logText(), "reload refused: the configuration has errors; the running one stays")
	})
	if err := sendMail(smtpAddr, "cy@shop.example", "Subject: after a bad reload\r\nMessage-ID: <hup3@shop.example>"); err != nil {
		t.Fatal(err)
	}
	within("the third card", func() bool { return len(slack.Posts()) >= 3 })
	if p := slack.Posts()[2]; p.Channel != "C0NEW" {
		t.Fatalf("after a refused reload the card went to %s, want C0NEW", p.Channel)
	}
	// SIGTERM as before: drain and exit 0.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve still running 30 s after SIGTERM")
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, srv.logText())
	}
}
