package outbound

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The relay against aiosmtpd (Debian's python3-aiosmtpd), an SMTP server
// written independently of go-smtp, started by the peers' capture scripts.
// HELPDESK_PEERS names the directory holding smtp-capture-start.sh; the
// test is skipped without it.
func TestRelay_PeersCapture(t *testing.T) {
	peers := os.Getenv("HELPDESK_PEERS")
	if peers == "" {
		t.Skip("HELPDESK_PEERS is not set")
	}
	if _, err := os.Stat(filepath.Join(peers, "smtp-capture-start.sh")); err != nil {
		t.Skipf("HELPDESK_PEERS: %v", err)
	}
	raw := relayMail(t)
	start := func(t *testing.T, env ...string) (dir, addr string) {
		t.Helper()
		dir = filepath.Join(t.TempDir(), "capture")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr().String()
		ln.Close()
		_, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command("bash", filepath.Join(peers, "smtp-capture-start.sh"), dir, port)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("smtp-capture-start.sh: %v\n%s", err, out)
		}
		t.Cleanup(func() { exec.Command("bash", filepath.Join(peers, "smtp-capture-stop.sh"), dir).Run() })
		return dir, addr
	}
	captured := func(t *testing.T, dir string) []string {
		t.Helper()
		m, err := filepath.Glob(filepath.Join(dir, "*.eml"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	waitCaptured := func(t *testing.T, dir string) {
		t.Helper()
		for i := 0; i < 50 && len(captured(t, dir)) == 0; i++ {
			time.Sleep(100 * time.Millisecond)
		}
		m := captured(t, dir)
		if len(m) != 1 {
			t.Fatalf("captured %d mails, want 1", len(m))
		}
		meta, err := os.ReadFile(strings.TrimSuffix(m[0], ".eml") + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(meta), `"tls": true`) || !strings.Contains(string(meta), `"auth_login": "helpdesk"`) {
			t.Errorf("envelope: %s, want tls and auth_login", meta)
		}
	}

	for _, mode := range []RelayTLS{RelayTLSStartTLS, RelayTLSImplicit} {
		t.Run(string(mode), func(t *testing.T) {
			dir, addr := start(t, "SMTP_CAPTURE_TLS="+string(mode), "SMTP_CAPTURE_AUTH=helpdesk:s3cret", "SMTP_CAPTURE_REQUIRE_TLS=1")
			r := &Relay{Addr: addr, LocalName: "helpdesk.test", Timeout: 10 * time.Second, TLS: mode,
				TLSConfig: mustTLSConfig(t, filepath.Join(dir, "ssl", "cert.pem"), "", ""), Username: "helpdesk", Password: "s3cret"}
			if err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x"); err != nil {
				t.Fatalf("Send: %v", err)
			}
			waitCaptured(t, dir)
		})
	}

	t.Run("WrongPassword", func(t *testing.T) {
		dir, addr := start(t, "SMTP_CAPTURE_TLS=starttls", "SMTP_CAPTURE_AUTH=helpdesk:s3cret")
		r := &Relay{Addr: addr, Timeout: 10 * time.Second, TLS: RelayTLSStartTLS,
			TLSConfig: mustTLSConfig(t, filepath.Join(dir, "ssl", "cert.pem"), "", ""), Username: "helpdesk", Password: "wrong"}
		err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x")
		var se *RelayStepError
		if !errors.As(err, &se) || se.Step != StepAuth || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary auth failure", err)
		}
		if m := captured(t, dir); len(m) != 0 {
			t.Fatalf("captured %d mails with a wrong password", len(m))
		}
	})

	t.Run("UntrustedCert", func(t *testing.T) {
		dir, addr := start(t, "SMTP_CAPTURE_TLS=starttls", "SMTP_CAPTURE_AUTH=helpdesk:s3cret")
		r := &Relay{Addr: addr, Timeout: 10 * time.Second, TLS: RelayTLSStartTLS, Username: "helpdesk", Password: "s3cret"}
		err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x")
		var se *RelayStepError
		if !errors.As(err, &se) || se.Step != StepStartTLS || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary starttls failure", err)
		}
		if m := captured(t, dir); len(m) != 0 {
			t.Fatalf("captured %d mails over an untrusted certificate", len(m))
		}
	})

	t.Run("NoStartTLS", func(t *testing.T) {
		dir, addr := start(t)
		r := &Relay{Addr: addr, Timeout: 10 * time.Second, TLS: RelayTLSStartTLS}
		err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x")
		var se *RelayStepError
		if !errors.As(err, &se) || se.Step != StepStartTLS || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary starttls failure", err)
		}
		if m := captured(t, dir); len(m) != 0 {
			t.Fatalf("captured %d mails without TLS", len(m))
		}
	})
}
