package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"helpdesk/inbound/imap/imaptest"
	"helpdesk/store"
)

// TestCrash_IMAPKillAndRestart kills the gateway with SIGKILL at random
// moments while mail arrives in a real Dovecot mailbox, restarts it, and
// checks that in the end every mail is exactly one ticket and every one is
// \Seen: nothing lost, nothing twice.
func TestCrash_IMAPKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	srv := imaptest.Start(t, imaptest.Options{})
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "helpdesk.db")
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf(`domain = "support.example.com"
secret = "crash-test"
[store]
path = %q
[smtp]
listen = "127.0.0.1:0"
[http]
listen = "127.0.0.1:0"
[mail]
dir = %q
[outbox]
poll_interval = "200ms"
[[imap]]
name = "support"
address = %q
username = "support"
password = "secret"
poll_interval = "100ms"
`, dbPath, filepath.Join(dir, "outbox-mail"), srv.Addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	const total = 120
	// Mail arrives all through the kills, from a client of its own (the
	// harness's helpers may only fail the test from the test goroutine).
	appendErr := make(chan error, 1)
	go func() {
		appendErr <- appendMail(srv.Addr, total, func(i int) string {
			return fmt.Sprintf("From: Customer %d <c%d@shop%d.example>\r\nTo: support@support.example.com\r\n"+
				"Subject: crash test %d\r\nMessage-ID: <crash-%d@shop.example>\r\n\r\nmail number %d\r\n", i, i, i%7, i, i, i)
		}, func() time.Duration { return time.Duration(rand.IntN(30)) * time.Millisecond })
	}()

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := range 6 {
		g := startGateway(t, dir, cfgPath)
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		g.kill(t)
		t.Logf("round %d: killed after %s with %d tickets committed", round, g.ran(), countTickets(t, dbPath))
	}
	if err := <-appendErr; err != nil {
		t.Fatalf("appending mail: %v", err)
	}

	g := startGateway(t, dir, cfgPath)
	deadline := time.Now().Add(60 * time.Second)
	for {
		flags := srv.Flags(t, "support", "INBOX")
		seen := 0
		for _, f := range flags {
			if slices.Contains(f, `\Seen`) {
				seen++
			}
		}
		if len(flags) == total && seen == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the last restart %d of %d mails are \\Seen\n%s", seen, len(flags), g.log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	g.stop(t)

	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tickets, err := db.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != total {
		t.Errorf("%d tickets, want %d", len(tickets), total)
	}
	count := map[string]int{}
	for _, tk := range tickets {
		count[tk.Subject]++
		msgs, err := db.Messages(context.Background(), tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 1 {
			t.Errorf("ticket #%d %q has %d messages, want 1", tk.Number, tk.Subject, len(msgs))
		}
	}
	for i := range total {
		if n := count[fmt.Sprintf("crash test %d", i)]; n != 1 {
			t.Errorf("mail %d is %d tickets, want exactly 1", i, n)
		}
	}
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Quarantined != 0 {
		t.Errorf("%d mails quarantined, want 0", c.Quarantined)
	}
}

func countTickets(t *testing.T, dbPath string) int {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range c.TicketsByStatus {
		n += k
	}
	return n
}

// serveProc is `helpdesk serve` running as a child process (the test binary
// acting as the command, see TestMain).
type serveProc struct {
	cmd     *exec.Cmd
	started time.Time
	mu      sync.Mutex
	lines   []string
	done    chan error
}

func startGateway(t *testing.T, dir, cfgPath string) *serveProc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "TEST_HELPDESK_RUN_MAIN=1", "TEST_HELPDESK_ARGS=serve --config "+cfgPath)
	return startProc(t, dir, cmd)
}

// startProc starts cmd in dir and collects its standard error lines.
func startProc(t *testing.T, dir string, cmd *exec.Cmd) *serveProc {
	t.Helper()
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &serveProc{cmd: cmd, started: time.Now(), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			g.mu.Lock()
			g.lines = append(g.lines, sc.Text())
			g.mu.Unlock()
		}
		g.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return g
}

func (g *serveProc) ran() time.Duration { return time.Since(g.started).Round(time.Millisecond) }

func (g *serveProc) log() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.lines, "\n")
}

func (g *serveProc) kill(t *testing.T) {
	t.Helper()
	g.cmd.Process.Signal(syscall.SIGKILL)
	<-g.done
}

func (g *serveProc) stop(t *testing.T) {
	t.Helper()
	// The signal handler is installed before the "started" line.
	for !strings.Contains(g.log(), "helpdesk started") {
		if time.Since(g.started) > 30*time.Second {
			t.Fatalf("serve did not start\n%s", g.log())
		}
		time.Sleep(10 * time.Millisecond)
	}
	g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-g.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, g.log())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve still running 30 s after SIGTERM\n%s", g.log())
	}
}
