package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"helpdesk/inbound/imap/imaptest"
	"helpdesk/internal/dnstest"
	"helpdesk/internal/pgtest"
	"helpdesk/outbound"
	"helpdesk/store"
)

// TestFailover_TwoGatewaysPostgres: two serve processes on one
// PostgreSQL database and one Dovecot mailbox. Mail arrives over SMTP at
// both (a sender that finds one down tries the other, as an MTA with two
// MX hosts does) and in the mailbox, while gateway B is killed with
// SIGKILL twice and restarted. Afterwards every mail is exactly one
// ticket, the mailbox was drained exactly once (every message \Seen, one
// ticket each), every acknowledgment reached the relay (twice only for
// rows in flight at a kill) and the credits verify.
func TestFailover_TwoGatewaysPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("failover test skipped in -short mode")
	}
	smtpTotal, imapTotal := 2000, 500
	if os.Getenv("HELPDESK_CRASH_MAILS") != "" {
		fmt.Sscan(os.Getenv("HELPDESK_CRASH_MAILS"), &smtpTotal)
		imapTotal = smtpTotal / 4
	}
	dsn := pgtest.DSN(t)
	mbox := imaptest.Start(t, imaptest.Options{})
	relay := startFlakyRelay(t, 0)
	dns := dnstest.Start(t, nil)
	type gateway struct {
		dir, cfg, addr, http string
		proc                 *serveProc
	}
	gws := make([]*gateway, 2)
	for i := range gws {
		g := &gateway{dir: t.TempDir()}
		g.addr, g.cfg = fmt.Sprintf("127.0.0.1:%d", freePort(t)), filepath.Join(g.dir, "helpdesk.toml")
		g.http = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		cfg := fmt.Sprintf(`domain = "support.example.com"
secret = "failover-test"
[store]
driver = "postgres"
dsn = %q
path = %q
[smtp]
listen = %q
[http]
listen = %q
[mail]
relay = %q
[outbox]
poll_interval = "100ms"
retry_base = "50ms"
[auth]
dns = %q
[[imap]]
name = "support"
address = %q
username = "support"
password = "secret"
poll_interval = "100ms"
`, dsn, filepath.Join(g.dir, "helpdesk.db"), g.addr, g.http, relay.Addr, dns.Addr(), mbox.Addr)
		if err := os.WriteFile(g.cfg, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		gws[i] = g
	}
	// A starts first and creates the schema; B joins it.
	gws[0].proc = startGateway(t, gws[0].dir, gws[0].cfg)
	waitStarted(t, gws[0].proc)
	gws[1].proc = startGateway(t, gws[1].dir, gws[1].cfg)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	send := startSender(ctx, smtpTotal, 4, "smtp", "failover", 0, func(try int) string { return gws[try%2].addr })
	appendErr := make(chan error, 1)
	go func() {
		appendErr <- appendMail(mbox.Addr, imapTotal, func(i int) string {
			return fmt.Sprintf("From: Customer %d <i%d@shop%d.example>\r\nTo: support@support.example.com\r\n"+
				"Subject: imap %d\r\nMessage-ID: <failover-imap-%d@shop.example>\r\n\r\nmail number %d\r\n", i, i, i%7, i, i, i)
		}, func() time.Duration { return 2 * time.Millisecond })
	}()

	db, err := store.OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Each round kills the gateway that polls the mailbox, and the other
	// must take the mailbox over within 15 s.
	for round := range 2 {
		time.Sleep(time.Second)
		holder := mailboxHolder(t, db, gws[0].proc, gws[1].proc, -1, 20*time.Second)
		victim := gws[holder]
		victim.proc.kill(t)
		killed := time.Now()
		t.Logf("round %d: gateway %d, polling the mailbox, killed after %s with %d SMTP mails accepted so far",
			round, holder, victim.proc.ran(), send.accepted.Load())
		mailboxHolder(t, db, gws[0].proc, gws[1].proc, holder, 15*time.Second)
		t.Logf("round %d: the other gateway took the mailbox over %s after the kill", round, time.Since(killed).Round(time.Millisecond))
		victim.proc = startGateway(t, victim.dir, victim.cfg)
		waitStarted(t, victim.proc)
		// Back, it waits on standby, ready: the other keeps the mailbox.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			st := mailboxState(t, victim.http)
			if st.State == "standby" && st.OK {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("round %d: the restarted gateway shows the mailbox as %+v, want standby and ok", round, st)
				break
			}
		}
	}
	send.wg.Wait()
	if err := <-appendErr; err != nil {
		t.Fatalf("appending mail: %v", err)
	}

	deadline := time.Now().Add(3 * time.Minute)
	for {
		flags := mbox.Flags(t, "support", "INBOX")
		seen := 0
		for _, f := range flags {
			if slices.Contains(f, `\Seen`) {
				seen++
			}
		}
		c, err := db.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if seen == imapTotal && c.OutboxPending == 0 && c.OutboxDead == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done: %d of %d mails \\Seen, outbox %d pending, %d dead\nA:\n%s\nB:\n%s",
				seen, imapTotal, c.OutboxPending, c.OutboxDead, gws[0].proc.log(), gws[1].proc.log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	recovered := 0
	for _, g := range gws {
		g.proc.stop(t)
		recovered += strings.Count(g.proc.log(), journalRecovered)
	}

	tickets, err := db.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, tk := range tickets {
		seen[tk.Subject]++
	}
	for i := range smtpTotal {
		if n := seen[fmt.Sprintf("smtp %d", i)]; n != 1 {
			t.Errorf("SMTP mail %d is %d tickets, want exactly 1", i, n)
		}
	}
	for i := range imapTotal {
		if n := seen[fmt.Sprintf("imap %d", i)]; n != 1 {
			t.Errorf("IMAP mail %d is %d tickets, want exactly 1", i, n)
		}
	}
	delivered, twice := countAcks(relay)
	if delivered != smtpTotal+imapTotal {
		t.Errorf("relay got %d distinct acknowledgments, want %d", delivered, smtpTotal+imapTotal)
	}
	// A kill between the relay taking a row and the gateway reading its
	// 250 sends that row again: the rows in flight, at most the mail
	// lane's concurrency a kill. The journal covers every row past its
	// 250 (without it, a run here had 25 twice).
	if limit := 2 * outbound.DefaultConcurrency; twice > limit {
		t.Errorf("%d acknowledgments arrived twice after 2 kills, want at most %d (the rows in flight)", twice, limit)
	}
	if bad, err := db.VerifyCredits(context.Background()); err != nil || len(bad) != 0 {
		t.Errorf("credits verify: %+v, %v", bad, err)
	}
	t.Logf("SMTP mails %d (accepted %d), IMAP mails %d: %d tickets; acknowledgments delivered %d, twice %d; "+
		"restarts that marked rows from the journal %d",
		smtpTotal, send.accepted.Load(), imapTotal, len(tickets), delivered, twice, recovered)
}

// appendMail appends the n mails mail(i) to the INBOX of the test
// mailbox user at addr, waiting pause() after each.
func appendMail(addr string, n int, mail func(i int) string, pause func() time.Duration) error {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login("support", "secret").Wait(); err != nil {
		return err
	}
	for i := range n {
		raw := mail(i)
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write([]byte(raw)); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		if _, err := cmd.Wait(); err != nil {
			return fmt.Errorf("append %d: %w", i, err)
		}
		time.Sleep(pause())
	}
	return nil
}

// mailboxHolder waits up to within for the mailbox's lease to be held by
// one of the two gateways other than not (-1: either), and returns which.
func mailboxHolder(t *testing.T, db *store.DB, a, b *serveProc, not int, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		holder, err := db.LeaseHolder(context.Background(), "imap:support")
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range []*serveProc{a, b} {
			if i != not && strings.Contains(holder, fmt.Sprintf(":%d:", p.cmd.Process.Pid)) {
				return i
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mailbox's lease is held by %q %s on, want gateway %s", holder, within, map[int]string{-1: "A or B", 0: "B", 1: "A"}[not])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mailboxState reads the support mailbox's channel from the /status of
// the gateway whose admin endpoint is at addr.
func mailboxState(t *testing.T, addr string) (ch struct {
	State string `json:"state"`
	OK    bool   `json:"ok"`
}) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Channels []struct {
			Name  string `json:"name"`
			State string `json:"state"`
			OK    bool   `json:"ok"`
		} `json:"channels"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	for _, c := range st.Channels {
		if c.Name == "support" {
			ch.State, ch.OK = c.State, c.OK
		}
	}
	return ch
}

// waitStarted waits for serve's "started" line.
func waitStarted(t *testing.T, g *serveProc) {
	t.Helper()
	for !strings.Contains(g.log(), "helpdesk started") {
		if g.ran() > 30*time.Second {
			t.Fatalf("serve did not start\n%s", g.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
