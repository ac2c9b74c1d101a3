package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/internal/dnstest"
	"helpdesk/internal/smtpsend"
)

// TestServe_HostileMail sends serve, as a real process over SMTP, what a
// hostile stranger would: twenty 20 MiB HTML mails at once from one
// address, which must all be stored while serve's peak memory (VmHWM)
// stays under 400 MB; then a mail nested 20,000 levels deep and one of
// 100,000 parts, each of which must be answered (refused) within 5 s.
func TestServe_HostileMail(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile mail test skipped in -short mode")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skipf("no /proc to read serve's peak memory from: %v", err)
	}
	dir := t.TempDir()
	dns := dnstest.Start(t, nil)
	smtpPort := freePort(t)
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf(`domain = "support.example.com"
secret = "hostile-mail-test-secret"
[store]
path = %q
[smtp]
listen = "127.0.0.1:%d"
[http]
listen = "127.0.0.1:0"
[mail]
dir = %q
[auth]
dns = %q
`, filepath.Join(dir, "helpdesk.db"), smtpPort, filepath.Join(dir, "out"), dns.Addr())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startPlainServe(t, dir, cfgPath)
	addr := fmt.Sprintf("127.0.0.1:%d", smtpPort)
	waitSMTP(t, g, addr)

	// Twenty 20 MiB HTML mails at once, half of them with SIZE declared.
	const n, size = 20, 20 << 20
	body := hostileHTML(size)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			head := fmt.Sprintf("From: Mallory <mallory@shop.example>\r\nTo: support@support.example.com\r\nSubject: big %d\r\n"+
				"Message-ID: <big-%d@shop.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n", i, i)
			var declared int64
			if i%2 == 0 {
				declared = int64(len(head) + len(body))
			}
			errs[i] = sendStream(addr, "mallory@shop.example", io.MultiReader(strings.NewReader(head), bytes.NewReader(body)), declared)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("mail %d: %v", i, err)
		}
	}
	peak := vmHWM(t, g.cmd.Process.Pid)
	t.Logf("%d mails of %d MiB stored in %s; serve's peak RSS %d MB", n, size>>20, time.Since(start).Round(time.Millisecond), peak>>20)
	if peak >= 400<<20 {
		t.Errorf("serve's peak RSS was %d MB, want under 400 MB", peak>>20)
	}

	for _, c := range []struct {
		name string
		raw  []byte
	}{
		{"20,000 levels", nestedMIME(20000)},
		{"100,000 parts", manyMIMEParts(100000)},
	} {
		start := time.Now()
		err := sendStream(addr, "mallory@shop.example", bytes.NewReader(c.raw), 0)
		took := time.Since(start)
		t.Logf("%s (%d bytes): %v in %s", c.name, len(c.raw), err, took.Round(time.Millisecond))
		var se *gosmtp.SMTPError
		if !errors.As(err, &se) || se.Code != 554 {
			t.Errorf("%s: %v, want 554", c.name, err)
		}
		if took > 5*time.Second {
			t.Errorf("%s answered in %s, want within 5 s", c.name, took)
		}
	}
	g.stop(t)
}

// startPlainServe runs serve as its own process. The test binary is serve
// itself, except under -race: serve is then built without it, so that
// its memory is what a real one takes.
func startPlainServe(t *testing.T, dir, cfgPath string) *serveProc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "TEST_HELPDESK_RUN_MAIN=1", "TEST_HELPDESK_ARGS=serve --config "+cfgPath)
	if raceEnabled {
		goTool, err := exec.LookPath("go")
		if err != nil {
			t.Skipf("under -race serve is built without it, and there is no go tool: %v", err)
		}
		bin := filepath.Join(t.TempDir(), "helpdesk")
		build := exec.Command(goTool, "build", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building serve: %v\n%s", err, out)
		}
		cmd = exec.Command(bin, "serve", "--config", cfgPath)
		cmd.Env = os.Environ()
	}
	return startProc(t, dir, cmd)
}

// waitSMTP waits until serve takes connections on addr.
func waitSMTP(t *testing.T, g *serveProc, addr string) {
	t.Helper()
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Since(g.started) > 60*time.Second {
			t.Fatalf("serve did not listen on %s: %v\n%s", addr, err, g.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sendStream sends msg on a connection of its own; declared, when not 0,
// is given as SIZE.
func sendStream(addr, from string, msg io.Reader, declared int64) error {
	c, err := gosmtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := smtpsend.Mail(c, from, "support@support.example.com", msg, declared); err != nil {
		return err
	}
	return c.Quit()
}

// vmHWM is the peak resident memory of process pid, from /proc.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// hostileHTML is an HTML body of size bytes of ordinary markup.
func hostileHTML(size int) []byte {
	const para = "<div><p>Lorem ipsum <b>dolor</b> sit amet, <a href=\"https://example.com/x\">consectetur</a> adipiscing elit.</p></div>\r\n"
	b := make([]byte, 0, size)
	b = append(b, "<html><body>\r\n"...)
	for len(b)+len(para)+len("</body></html>\r\n") <= size {
		b = append(b, para...)
	}
	return append(b, "</body></html>\r\n"...)
}

// nestedMIME nests depth multiparts, each with a boundary of its own.
func nestedMIME(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Mallory <mallory@shop.example>\r\nTo: support@support.example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nThe bottom.\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// manyMIMEParts is a multipart/mixed of n tiny parts.
func manyMIMEParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: Mallory <mallory@shop.example>\r\nTo: support@support.example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
	for range n {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}
