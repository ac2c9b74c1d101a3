package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// floodConns is how many HTTP connections the flood opens: the issue's
// 2,000, far beyond the default http.max_connections.
const floodConns = 2000

// TestServe_HTTPFlood runs serve as a process and floods its HTTP
// listener with 2,000 connections that go quiet, while mail arrives by
// SMTP:
//   - Idle: kept-alive connections, each after one request, are closed
//     within the idle timeout (1 s here; all within 3 s), and serve's
//     descriptors come back down;
//   - Capped: with the default http.max_connections (256), serve holds at
//     most that many of them at once (counted in /proc/PID/fd), the rest
//     wait in the kernel's queue and are closed in turn by the read
//     timeout.
//
// Either way SMTP keeps answering 250 during the flood.
func TestServe_HTTPFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc to count descriptors")
	}
	t.Run("Idle", func(t *testing.T) {
		srv, smtpAddr, httpAddr := startFloodServe(t, "max_connections = 4096\n")
		base := openFDs(t, srv)
		conns := dialAll(t, httpAddr)
		for _, c := range conns { // one request each, all written before any answer is read
			if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: helpdesk\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
		}
		readers := make([]*bufio.Reader, len(conns))
		for i, c := range conns {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			readers[i] = bufio.NewReader(c)
			resp, err := http.ReadResponse(readers[i], nil)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		idleSince := time.Now()
		mustSendMail(t, smtpAddr, "idle")
		// Well under the default idle timeout of a minute, and with room for
		// the mail sent meanwhile on a loaded machine.
		deadline := idleSince.Add(10 * time.Second)
		for i, c := range conns {
			if !closedBy(c, readers[i], deadline) {
				t.Fatalf("connection %d still open 10 s after it went idle (idle_timeout 1s)", i)
			}
		}
		t.Logf("%d idle connections closed within %v of the last answer", len(conns), time.Since(idleSince).Round(10*time.Millisecond))
		if n := waitFDs(t, srv, base+10, 5*time.Second); n > base+10 {
			t.Fatalf("serve holds %d descriptors after the flood, %d before", n, base)
		}
	})
	t.Run("Capped", func(t *testing.T) {
		srv, smtpAddr, httpAddr := startFloodServe(t, "")
		base := openFDs(t, srv)
		start := time.Now()
		conns := dialAll(t, httpAddr)
		time.Sleep(300 * time.Millisecond) // let serve accept what it will
		if n := openFDs(t, srv); n > base+256+10 {
			t.Fatalf("serve holds %d descriptors during the flood (%d before): over http.max_connections 256", n, base)
		}
		mustSendMail(t, smtpAddr, "capped")
		deadline := start.Add(20 * time.Second) // 2,000 / 256 turns of the 1 s read timeout, and a margin
		for i, c := range conns {
			if !closedBy(c, bufio.NewReader(c), deadline) {
				t.Fatalf("connection %d still open %v after the flood began", i, time.Since(start).Round(time.Second))
			}
		}
		t.Logf("%d silent connections closed, at most 256 at a time, within %v", len(conns), time.Since(start).Round(10*time.Millisecond))
	})
}

// startFloodServe starts serve with 1 s HTTP read and idle timeouts and
// the [http] lines given; it returns the SMTP and HTTP addresses.
func startFloodServe(t *testing.T, httpLines string) (*liveServe, string, string) {
	t.Helper()
	dir := t.TempDir()
	smtpAddr, httpAddr := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf(`domain = "support.example.com"
[store]
path = %q
[smtp]
listen = %q
[http]
listen = %q
read_timeout = "1s"
idle_timeout = "1s"
%s[mail]
dir = %q
[departments.support]
authentication = "off"
`, filepath.Join(dir, "helpdesk.db"), smtpAddr, httpAddr, httpLines, filepath.Join(dir, "mail"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServe(t, cfgPath), smtpAddr, httpAddr
}

// dialAll opens floodConns connections to addr, closed when the test
// ends.
func dialAll(t *testing.T, addr string) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, floodConns)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := 0; i < floodConns; i++ {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	return conns
}

// closedBy reports whether the server has closed c by deadline.
func closedBy(c net.Conn, br *bufio.Reader, deadline time.Time) bool {
	c.SetReadDeadline(deadline)
	_, err := br.ReadByte()
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// mustSendMail sends one mail over SMTP and wants it taken within 5 s.
func mustSendMail(t *testing.T, addr, tag string) {
	t.Helper()
	start := time.Now()
	c, err := gosmtp.Dial(addr)
	if err != nil {
		t.Fatalf("SMTP during the HTTP flood: %v", err)
	}
	defer c.Close()
	msg := "From: ann@shop.example\r\nTo: support@support.example.com\r\nSubject: during the flood\r\n" +
		"Message-ID: <flood-" + tag + "@shop.example>\r\n\r\nstill taken\r\n"
	if err := c.SendMail("ann@shop.example", []string{"support@support.example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("SMTP during the HTTP flood: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("SMTP took %v during the HTTP flood", d)
	}
}

// openFDs counts the descriptors serve holds.
func openFDs(t *testing.T, s *liveServe) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// waitFDs waits up to d for serve to hold at most max descriptors and
// returns how many it holds.
func waitFDs(t *testing.T, s *liveServe, max int, d time.Duration) int {
	t.Helper()
	end := time.Now().Add(d)
	for {
		n := openFDs(t, s)
		if n <= max || time.Now().After(end) {
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
}
