package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/internal/demo"
	"helpdesk/store"
)

// TestServe_ChannelUpdate changes an added mailbox's password while serve
// runs: the poller that was refused reconnects with the new one and
// takes the mail waiting in the mailbox.
func TestServe_ChannelUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	ctx := context.Background()
	mbox, err := demo.StartMemIMAP("support", secretIMAP)
	if err != nil {
		t.Fatal(err)
	}
	defer mbox.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf(`secret = %q
[store]
path = %q
[smtp]
listen = %q
[http]
listen = %q
[mail]
dir = %q
[outbox]
poll_interval = "100ms"
`, secretReply, filepath.Join(dir, "helpdesk.db"), freeAddr(t), freeAddr(t), filepath.Join(dir, "mail"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(ctx, append(args, "--config", cfgPath), &out, &out, nil)
		return out.String(), err
	}
	bad, good := filepath.Join(dir, "bad"), filepath.Join(dir, "good")
	os.WriteFile(bad, []byte(secretBadIMAP+"\n"), 0o600)
	os.WriteFile(good, []byte(secretIMAP+"\n"), 0o600)
	if out, err := cli("migrate"); err != nil {
		t.Fatalf("migrate: %v: %s", err, out)
	}
	if out, err := cli("channel", "add", "box", "--address", mbox.Addr, "--username", "support",
		"--password-file", bad, "--poll", "100ms", "--idle=false"); err != nil {
		t.Fatalf("add: %v: %s", err, out)
	}
	if err := mbox.Deliver("From: ann@shop.example\r\nTo: support@support.example.com\r\nSubject: via imap\r\n" +
		"Message-ID: <upd@shop.example>\r\n\r\nhello\r\n"); err != nil {
		t.Fatal(err)
	}
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
	within("the wrong password refused", func() bool {
		return strings.Contains(srv.logText(), "imap session failed") && strings.Contains(srv.logText(), "imap=box")
	})

	t.Run("ErrChecks", func(t *testing.T) {
		for args, want := range map[string]string{
			"box --tls sometimes":   `tls "sometimes" is not none, starttls or implicit`,
			"box --disabled":        "use channel enable|disable box",
			"box":                   "needs at least one setting",
			"smtp --mailbox X":      "comes from the configuration file",
			"nope --mailbox X":      `no channel named "nope"`,
			"box --poll-interval 0": "poll_interval must be positive",
		} {
			if out, err := cli(append([]string{"channel", "update"}, strings.Fields(args)...)...); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("update %s: %v (%s), want %q", args, err, out, want)
			}
		}
	})

	out, err := cli("channel", "update", "box", "--password-file", good)
	if err != nil || !strings.Contains(out, "channel box updated (password)") {
		t.Fatalf("update: %v: %s", err, out)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	within("the mail taken with the new password", func() bool {
		c, err := db.Counts(ctx)
		return err == nil && c.TicketsByStatus["submitted"] == 1
	})
	within("the poller restarted", func() bool {
		log := srv.logText()
		return strings.Contains(log, `msg="imap channel stopped" component=channels channel=box`) &&
			strings.Count(log, `msg="imap channel started" component=channels channel=box`) == 2
	})
	log := srv.logText()
	for _, s := range []string{secretIMAP, secretBadIMAP} {
		if strings.Contains(log, s) {
			t.Errorf("the log contains the password %q", s)
		}
	}
	// Other settings change too, keeping the password: it still logs in.
	if out, err := cli("channel", "update", "box", "--poll-interval", "200ms", "--mailbox", "INBOX"); err != nil ||
		!strings.Contains(out, "(mailbox, poll-interval)") {
		t.Fatalf("update: %v: %s", err, out)
	}
	within("restarted a third time", func() bool {
		return strings.Count(srv.logText(), `msg="imap channel started" component=channels channel=box`) == 3
	})
}
