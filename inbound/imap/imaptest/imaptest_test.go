//go:build linux

package imaptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func testMessage(i int) []byte {
	return []byte(fmt.Sprintf("From: Customer %d <customer%d@example.com>\r\n"+
		"To: support@helpdesk.test\r\n"+
		"Subject: Printer broken #%d\r\n"+
		"Message-ID: <msg-%d@example.com>\r\n"+
		"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n"+
		"\r\n"+
		"The printer on floor %d is broken again.\r\n", i, i, i, i, i))
}

func TestServer(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	srv := Start(t, Options{TLS: true})
	t.Logf("start: %s (addr %s, tls %s)", time.Since(t0).Round(time.Millisecond), srv.Addr, srv.TLSAddr)

	const user = DefaultUser
	t.Run("append", func(t *testing.T) {
		for i := 1; i <= 3; i++ {
			if uid := srv.Append(t, user, "INBOX", testMessage(i)); uid != uint32(i) {
				t.Errorf("Append #%d: UID %d", i, uid)
			}
		}
		if n := srv.Count(t, user, "INBOX"); n != 3 {
			t.Fatalf("Count = %d, want 3", n)
		}
		flags := srv.Flags(t, user, "INBOX")
		if len(flags) != 3 {
			t.Fatalf("Flags = %v, want 3 messages", flags)
		}
		for uid := uint32(1); uid <= 3; uid++ {
			fl, ok := flags[uid]
			if !ok {
				t.Fatalf("Flags = %v: no UID %d", flags, uid)
			}
			for _, f := range fl {
				if f == string(imap.FlagSeen) {
					t.Errorf("UID %d is \\Seen: %v", uid, fl)
				}
			}
		}
		// Flags used EXAMINE, so the messages are still unseen.
		if st := srv.Status(t, user, "INBOX"); st.Unseen != 3 || st.UIDNext != 4 {
			t.Errorf("Status = %+v, want 3 unseen, UIDNEXT 4", st)
		}
	})

	t.Run("append-many", func(t *testing.T) {
		const n = 1000
		raws := make([][]byte, n)
		for i := range raws {
			raws[i] = testMessage(100 + i)
		}
		srv.CreateMailbox(t, user, "Bulk")
		t0 := time.Now()
		srv.AppendMany(t, user, "Bulk", raws)
		t.Logf("AppendMany: %d messages in %s", n, time.Since(t0).Round(time.Millisecond))
		if got := srv.Count(t, user, "Bulk"); got != n {
			t.Fatalf("Count = %d, want %d", got, n)
		}
		// UIDs follow the slice order.
		c := srv.Login(t, user)
		if _, err := c.Select("Bulk", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Fetch(imap.UIDSetNum(1, n), &imap.FetchOptions{UID: true, Envelope: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			want := fmt.Sprintf("Printer broken #%d", 100+int(m.UID)-1)
			if m.Envelope.Subject != want {
				t.Fatalf("UID %d: subject %q, want %q", m.UID, m.Envelope.Subject, want)
			}
		}
		if len(msgs) != 2 {
			t.Fatalf("fetched %d messages, want 2", len(msgs))
		}
		if fl := srv.Flags(t, user, "Bulk"); len(fl) != n || len(fl[n]) != 0 {
			t.Fatalf("Flags: %d messages, last %v; want %d without flags", len(fl), fl[n], n)
		}
	})

	t.Run("append-many-utf7-name", func(t *testing.T) {
		// Not ASCII: the pipelined go-imap path.
		const box = "Überfällig"
		srv.CreateMailbox(t, user, box)
		raws := [][]byte{testMessage(1), testMessage(2), testMessage(3)}
		srv.AppendMany(t, user, box, raws)
		if n := srv.Count(t, user, box); n != len(raws) {
			t.Fatalf("Count = %d, want %d", n, len(raws))
		}
	})

	t.Run("implicit-tls", func(t *testing.T) {
		c, err := imapclient.DialTLS(srv.TLSAddr, &imapclient.Options{TLSConfig: caConfig(t, srv.CAFile, "127.0.0.1")})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login(user, DefaultPassword).Wait(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		if err := c.Logout().Wait(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("implicit-tls-untrusted", func(t *testing.T) {
		// Without the CA the handshake must fail: the cert is really
		// self-signed and not accidentally trusted.
		c, err := imapclient.DialTLS(srv.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{ServerName: "localhost"}})
		if err == nil {
			err = c.Noop().Wait()
			c.Close()
		}
		var uerr x509.UnknownAuthorityError
		if !errors.As(err, &uerr) {
			t.Fatalf("err = %v, want an unknown-authority error", err)
		}
	})

	t.Run("starttls", func(t *testing.T) {
		c, err := imapclient.DialStartTLS(srv.Addr, &imapclient.Options{TLSConfig: caConfig(t, srv.CAFile, "localhost")})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login(user, DefaultPassword).Wait(); err != nil {
			t.Fatal(err)
		}
		if n := c.Caps(); !n.Has(imap.CapIdle) {
			t.Errorf("caps after login lack IDLE: %v", n)
		}
		if err := c.Logout().Wait(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("wrong-password", func(t *testing.T) {
		c, err := imapclient.DialInsecure(srv.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		t0 := time.Now()
		err = c.Login(user, "wrong").Wait()
		var ierr *imap.Error
		if !errors.As(err, &ierr) || ierr.Type != imap.StatusResponseTypeNo || ierr.Code != imap.ResponseCodeAuthenticationFailed {
			t.Fatalf("login with a wrong password: %v, want NO [AUTHENTICATIONFAILED]", err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("failed login took %s; auth_failure_delay should be 0", d)
		}
		if err := c.Login("nosuchuser", DefaultPassword).Wait(); err == nil {
			t.Fatal("login as an unknown user succeeded")
		}
		// Dovecot's per-IP auth penalty would hold this back for 4 s or
		// more after two failures; it is disabled.
		t0 = time.Now()
		if err := c.Login(user, DefaultPassword).Wait(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("login after failures took %s", d)
		}
	})

	t.Run("uidvalidity", func(t *testing.T) {
		srv.CreateMailbox(t, user, "Queue")
		srv.Append(t, user, "Queue", testMessage(1))
		before := srv.Status(t, user, "Queue")
		srv.DeleteMailbox(t, user, "Queue")
		c := srv.Login(t, user)
		if _, err := c.Select("Queue", nil).Wait(); err == nil {
			t.Fatal("SELECT of a deleted mailbox succeeded")
		}
		srv.CreateMailbox(t, user, "Queue")
		srv.Append(t, user, "Queue", testMessage(2))
		after := srv.Status(t, user, "Queue")
		if after.UIDValidity == before.UIDValidity {
			t.Fatalf("UIDVALIDITY unchanged after delete+create: %d", after.UIDValidity)
		}
		if after.Messages != 1 || after.UIDNext != 2 {
			t.Errorf("after re-create: %+v, want 1 message, UIDNEXT 2", after)
		}
	})

	t.Run("stop", func(t *testing.T) {
		pid := srv.cmd.Process.Pid
		t0 := time.Now()
		srv.Stop()
		t.Logf("stop: %s", time.Since(t0).Round(time.Millisecond))
		srv.Stop() // idempotent
		// Exited services may linger briefly as zombies of init, so
		// look for live members of the group rather than signalling it.
		if groupAlive(pid) {
			out, _ := exec.Command("ps", "-eo", "pid,pgid,stat,args").Output()
			t.Errorf("process group %d still has live members after Stop:\n%s", pid, out)
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("master %d still exists after Stop: %v", pid, err)
		}
		if greets(srv.Addr, srv.instance) {
			t.Errorf("%s still answers after Stop", srv.Addr)
		}
	})
}

// TestParallelServers runs two servers side by side with different users
// and checks that they do not see each other's mail.
func TestParallelServers(t *testing.T) {
	t.Parallel()
	for i := range 2 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			user := fmt.Sprintf("agent%d", i)
			srv := Start(t, Options{
				Users:   map[string]string{user: "pw" + strconv.Itoa(i), "shared": "x"},
				Maildir: i == 1,
			})
			for j := 0; j <= i; j++ {
				srv.Append(t, user, "INBOX", testMessage(j))
			}
			srv.AppendMany(t, "shared", "INBOX", [][]byte{testMessage(8)})
			srv.Append(t, "shared", "INBOX", testMessage(9))
			if n := srv.Count(t, user, "INBOX"); n != i+1 {
				t.Errorf("Count(%s) = %d, want %d", user, n, i+1)
			}
			if n := srv.Count(t, "shared", "INBOX"); n != 2 {
				t.Errorf("Count(shared) = %d, want 2", n)
			}
			home := srv.Home(user)
			if _, err := os.Stat(filepath.Join(home, map[bool]string{false: "mdbox", true: "Maildir"}[i == 1])); err != nil {
				t.Errorf("mail storage: %v", err)
			}
			if srv.TLSAddr != "" || srv.CAFile != "" {
				t.Errorf("TLS listener without Options.TLS: %q %q", srv.TLSAddr, srv.CAFile)
			}
		})
	}
}

func TestCredentialsChecked(t *testing.T) {
	for _, c := range []struct{ u, p string }{{"a:b", "x"}, {"", "x"}, {"a/b", "x"}, {"ok", "bad:pw"}, {"ok", "line\nbreak"}} {
		if err := checkCredentials(c.u, c.p); err == nil {
			t.Errorf("checkCredentials(%q, %q) = nil, want an error", c.u, c.p)
		}
	}
	if err := checkCredentials("support", "s3cret pass!"); err != nil {
		t.Errorf("checkCredentials: %v", err)
	}
}

func caConfig(t *testing.T, caFile, serverName string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName}
}

// fatalTB records the first Fatal/Skip message and ends the goroutine, as
// the testing package would.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fatalTB) Skip(args ...any) {
	f.msg = "skip: " + fmt.Sprint(args...)
	runtime.Goexit()
}

func startExpectingFailure(t *testing.T, opts Options) string {
	t.Helper()
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(f, opts)
	}()
	<-done
	if f.msg == "" {
		t.Fatal("Start succeeded")
	}
	return f.msg
}

// TestStartFailure checks that a failed start retries when a port is
// taken and reports the tail of Dovecot's log.
func TestStartFailure(t *testing.T) {
	if !Available() || os.Geteuid() != 0 {
		t.Skip("needs Dovecot and root")
	}
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().(*net.TCPAddr).Port
	// An extra listener on a port that is in use: every attempt fails.
	msg := startExpectingFailure(t, Options{ExtraConfig: fmt.Sprintf(
		"service imap-login {\n  inet_listener taken {\n    address = 127.0.0.1\n    port = %d\n  }\n}", taken)})
	for _, want := range []string{fmt.Sprintf("attempt %d", startTries), "Address already in use", "dovecot.log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, msg)
		}
	}

	msg = startExpectingFailure(t, Options{ExtraConfig: "no_such_setting = 1"})
	if !strings.Contains(msg, "no_such_setting") || !strings.Contains(msg, "attempt 1") {
		t.Errorf("failure message does not show the config error:\n%s", msg)
	}
}

// BenchmarkAppendMany10k loads 10,000 small messages per iteration, each
// time into a new mailbox, with one AppendMany call.
func BenchmarkAppendMany10k(b *testing.B) {
	srv := Start(b, Options{})
	raws := make([][]byte, 10000)
	for i := range raws {
		raws[i] = testMessage(i)
	}
	for i := 0; b.Loop(); i++ {
		box := "Load" + strconv.Itoa(i)
		srv.CreateMailbox(b, DefaultUser, box)
		srv.AppendMany(b, DefaultUser, box, raws)
	}
}

// TestGreetsChecksToken: a server that took our port in the meantime must
// not pass for ours.
func TestGreetsChecksToken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintf(c, "* OK [CAPABILITY IMAP4rev1] helpdesk-imaptest-1-1 ready.\r\n")
			c.Close()
		}
	}()
	if greets(l.Addr().String(), "helpdesk-imaptest-1-2") {
		t.Error("greets accepted another instance's greeting")
	}
	if !greets(l.Addr().String(), "helpdesk-imaptest-1-1") {
		t.Error("greets rejected the right greeting")
	}
}
