package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/internal/pgtest"
	"helpdesk/store"
)

// TestMain lets the test binary act as the helpdesk command, so that
// TestServe_SIGTERM can run `serve` as a real process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("TEST_HELPDESK_RUN_MAIN") == "1" {
		os.Args = append([]string{"helpdesk"}, strings.Fields(os.Getenv("TEST_HELPDESK_ARGS"))...)
		main()
		os.Exit(0)
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

func TestServe_SIGTERM(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TEST_HELPDESK_RUN_MAIN=1", "TEST_HELPDESK_ARGS=serve",
		"HELPDESK_SMTP_LISTEN=127.0.0.1:0", "HELPDESK_HTTP_LISTEN=127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	started := regexp.MustCompile(`msg="helpdesk started" smtp=(\S+)`)
	var smtpAddr string
	var log []string
	timeout := time.After(30 * time.Second)
	for smtpAddr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before it started:\n%s", strings.Join(log, "\n"))
			}
			log = append(log, l)
			if m := started.FindStringSubmatch(l); m != nil {
				smtpAddr = m[1]
			}
		case <-timeout:
			t.Fatalf("serve did not start:\n%s", strings.Join(log, "\n"))
		}
	}

	c, err := gosmtp.Dial(smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: ann@shop.example\r\nSubject: blank page\r\nMessage-ID: <sig@shop.example>\r\n\r\nhelp\r\n"
	if err := c.SendMail("ann@shop.example", []string{"support@support.example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("send: %v", err)
	}
	c.Quit()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for l := range lines {
			log = append(log, l)
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, strings.Join(log, "\n"))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve still running 30 s after SIGTERM")
	}
	// Intake stopped and the outbox was drained: the acknowledgment of
	// the accepted mail is on disk, and the ticket is in the database.
	ems, _ := filepath.Glob(filepath.Join(dir, "outbox-mail", "*.eml"))
	if len(ems) != 1 {
		t.Fatalf("%d .eml files after shutdown, want the acknowledgment", len(ems))
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c2, err := db.Counts(context.Background())
	if err != nil || c2.TicketsByStatus["submitted"] != 1 || c2.OutboxPending != 0 {
		t.Fatalf("after shutdown: %+v, %v; want 1 ticket and an empty outbox", c2, err)
	}
}
