package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/gateway"
)

// startHTTPApp starts a gateway on loopback with the [http] settings
// configure makes.
func startHTTPApp(t *testing.T, configure func(*gateway.Config)) *gateway.App {
	t.Helper()
	ctx := context.Background()
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "helpdesk.db")
	cfg.Mail.Dir = filepath.Join(t.TempDir(), "mail")
	cfg.SMTP.Listen, cfg.HTTP.Listen = "127.0.0.1:0", "127.0.0.1:0"
	configure(cfg)
	cfg.FillDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	app, err := gateway.NewApp(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		app.Shutdown(sctx)
	})
	return app
}

// get sends one kept-alive GET on c and reads the answer.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) *http.Response {
	t.Helper()
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: gateway\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// closedWithin reports whether the server closes c within d.
func closedWithin(c net.Conn, br *bufio.Reader, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestApp_HTTPTimeouts: a kept-alive connection is closed once idle for
// http.idle_timeout, and one that never sends a request once
// http.read_timeout has passed.
func TestApp_HTTPTimeouts(t *testing.T) {
	app := startHTTPApp(t, func(c *gateway.Config) {
		c.HTTP.ReadTimeout = gateway.Duration{Duration: 300 * time.Millisecond}
		c.HTTP.IdleTimeout = gateway.Duration{Duration: 300 * time.Millisecond}
	})
	idle, err := net.Dial("tcp", app.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	br := bufio.NewReader(idle)
	if resp := get(t, idle, br, "/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	silent, err := net.Dial("tcp", app.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	if !closedWithin(idle, br, 3*time.Second) {
		t.Fatal("an idle kept-alive connection is still open 3 s after a 300 ms idle_timeout")
	}
	if !closedWithin(silent, bufio.NewReader(silent), 3*time.Second) {
		t.Fatal("a connection that sent nothing is still open 3 s after a 300 ms read_timeout")
	}
}

// TestApp_HTTPMaxConnections: beyond http.max_connections a connection
// waits, unanswered, until one of those served closes; then it is served.
func TestApp_HTTPMaxConnections(t *testing.T) {
	const max = 4
	app := startHTTPApp(t, func(c *gateway.Config) { c.HTTP.MaxConnections = max })
	var held []net.Conn
	for i := 0; i < max; i++ {
		c, err := net.Dial("tcp", app.HTTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if resp := get(t, c, bufio.NewReader(c), "/healthz"); resp.StatusCode != 200 {
			t.Fatalf("connection %d: %d", i, resp.StatusCode)
		}
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", app.HTTPAddr) // the kernel completes it; the server does not take it
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	io.WriteString(extra, "GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
	br := bufio.NewReader(extra)
	extra.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := br.ReadByte(); err == nil {
		t.Fatalf("connection %d served while %d are held", max+1, max)
	}
	held[0].Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("connection %d once one closed: %v", max+1, err)
	}
	resp.Body.Close()
}

// TestApp_SlackBodyLimit: [slack] max_body_bytes reaches the Slack
// endpoints: a larger body gets 413 before its signature is checked.
func TestApp_SlackBodyLimit(t *testing.T) {
	app := startHTTPApp(t, func(c *gateway.Config) {
		c.Slack.Token, c.Slack.SigningSecret = "xoxb-test", "0123456789abcdef0123"
		c.Slack.MaxBodyBytes = 16 << 10
	})
	for size, want := range map[int]int{8 << 10: http.StatusUnauthorized, 32 << 10: http.StatusRequestEntityTooLarge} {
		resp, err := http.Post("http://"+app.HTTPAddr+"/slack/events", "application/json", strings.NewReader(strings.Repeat("x", size)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a %d-byte unsigned event: %d, want %d", size, resp.StatusCode, want)
		}
	}
}

// TestApp_FileModes: every file serve keeps beside the database (the
// database, -wal, -shm, the outbox journal -sent, the lock) is 0600.
func TestApp_FileModes(t *testing.T) {
	app := startHTTPApp(t, func(*gateway.Config) {})
	path := app.Config().Store.Path
	if err := app.DB.Writable(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm", path + "-sent"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
}
