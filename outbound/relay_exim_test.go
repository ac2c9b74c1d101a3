package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The relay against Exim 4 (Debian's exim4-daemon-light) as the smart
// host: a real MTA with its own SMTP, TLS (GnuTLS) and AUTH code. Each
// case starts a private Exim on loopback with a generated configuration:
// STARTTLS on one port and TLS on connect on another, AUTH PLAIN and
// LOGIN offered only over TLS, relay only for authenticated senders, and
// every accepted message appended to one file in the test's directory,
// which the test reads back.
//
// Exim runs as root (it must, to use a configuration given with -C) and
// works as its own user, Debian-exim. The test is skipped when exim4 is
// not installed or the test does not run as root, unless
// HELPDESK_REQUIRE_EXIM=1, which turns the skip into a failure.
func TestRelay_Exim(t *testing.T) {
	eximBinary(t)
	raw := relayMail(t)
	id := testNotice().MessageID
	to := []string{"ann@customer.test"}

	t.Run("StartTLS", func(t *testing.T) {
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSStartTLS, "s3cret")
		if err := r.Send(context.Background(), testFrom.Addr, to, raw, id); err != nil {
			t.Fatalf("Send: %v\n%s", err, ex.logs())
		}
		ex.wantDelivered(t, to[0], id, "plain")
	})

	t.Run("Implicit", func(t *testing.T) {
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSImplicit, "s3cret")
		if err := r.Send(context.Background(), testFrom.Addr, to, raw, id); err != nil {
			t.Fatalf("Send: %v\n%s", err, ex.logs())
		}
		ex.wantDelivered(t, to[0], id, "plain")
	})

	t.Run("LoginOnly", func(t *testing.T) {
		// Exim offers AUTH LOGIN alone: the client falls back to it.
		ex := startExim(t, true)
		r := ex.relay(t, RelayTLSStartTLS, "s3cret")
		if err := r.Send(context.Background(), testFrom.Addr, to, raw, id); err != nil {
			t.Fatalf("Send: %v\n%s", err, ex.logs())
		}
		ex.wantDelivered(t, to[0], id, "login")
	})

	t.Run("ReuseAfterRefusal", func(t *testing.T) {
		// A refused recipient leaves the session to RSET and, at the next
		// MAIL, EHLO again: Exim must still count it as logged in.
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSStartTLS, "s3cret")
		defer r.Close()
		send := func(i int, rcpt string) error {
			return r.Send(context.Background(), testFrom.Addr, []string{rcpt}, numbered(i), fmt.Sprint(i))
		}
		if err := send(0, to[0]); err != nil {
			t.Fatalf("Send: %v\n%s", err, ex.logs())
		}
		if err := send(1, "refused@customer.test"); !IsPermanent(err) {
			t.Fatalf("err = %v, want a permanent refusal\n%s", err, ex.logs())
		}
		if err := send(2, to[0]); err != nil {
			t.Fatalf("Send after the refusal: %v\n%s", err, ex.logs())
		}
		if n := idleCount(r); n != 1 {
			t.Errorf("%d idle sessions, want the one that carried all three", n)
		}
		ex.wantMailbox(t, "<0@pool.test>", "<2@pool.test>")
		// Exim takes each connection in a process of its own, and a
		// message's id carries that process's id.
		pids := map[string]bool{}
		for _, m := range regexp.MustCompile(`\w{6}-(\w{6})-\w{2} <= `).FindAllStringSubmatch(ex.logs(), -1) {
			pids[m[1]] = true
		}
		if len(pids) != 1 {
			t.Errorf("messages taken by %d Exim processes, want 1 (one connection)\n%s", len(pids), ex.logs())
		}
	})

	t.Run("VerifyLogin", func(t *testing.T) {
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSStartTLS, "s3cret")
		var steps []string
		err := r.Verify(context.Background(), testFrom.Addr, func(step, detail string) {
			steps = append(steps, step+": "+detail)
		})
		if err != nil {
			t.Fatalf("Verify: %v\n%s", err, ex.logs())
		}
		got := strings.Join(steps, "\n")
		if !strings.Contains(got, StepAuth+": PLAIN as helpdesk") {
			t.Errorf("steps:\n%s\nwant AUTH PLAIN as helpdesk", got)
		}
		ex.wantNothing(t)
	})

	t.Run("WrongPassword", func(t *testing.T) {
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSStartTLS, "wrong")
		err := r.Send(context.Background(), testFrom.Addr, to, raw, id)
		var se *RelayStepError
		if !errors.As(err, &se) || se.Step != StepAuth || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary auth failure\n%s", err, ex.logs())
		}
		ex.wantNothing(t)
	})

	t.Run("NoAuthWithoutTLS", func(t *testing.T) {
		// Credentials in plain text are allowed to a loopback relay, but
		// Exim offers AUTH only over TLS: the login step fails, and
		// nothing is sent.
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSNone, "s3cret")
		err := r.Send(context.Background(), testFrom.Addr, to, raw, id)
		var se *RelayStepError
		if !errors.As(err, &se) || se.Step != StepAuth || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary auth failure (AUTH not offered)\n%s", err, ex.logs())
		}
		ex.wantNothing(t)
	})

	t.Run("NotAuthenticated", func(t *testing.T) {
		// Over TLS but without logging in, Exim refuses to relay.
		ex := startExim(t, false)
		r := ex.relay(t, RelayTLSStartTLS, "")
		r.Username = ""
		err := r.Send(context.Background(), testFrom.Addr, to, raw, id)
		var se *RelayStepError
		if !errors.As(err, &se) || se.Step != StepTransaction || !IsPermanent(err) {
			t.Fatalf("err = %v, want a permanent refusal of the recipient\n%s", err, ex.logs())
		}
		ex.wantNothing(t)
	})
}

// eximServer is a private Exim daemon started by startExim.
type eximServer struct {
	dir      string
	port     int // plain SMTP with STARTTLS
	tlsPort  int // TLS on connect
	certFile string
}

const (
	eximUser     = "Debian-exim"
	eximLogin    = "helpdesk"
	eximPassword = "s3cret"
)

func eximUnavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("HELPDESK_REQUIRE_EXIM") == "1" {
		t.Fatalf("HELPDESK_REQUIRE_EXIM=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

// eximBinary is the path of exim4, or skips the test (fails it with
// HELPDESK_REQUIRE_EXIM=1) when Exim cannot run here; uid and gid are
// Exim's own user's.
func eximBinary(t *testing.T) (bin string, uid, gid int) {
	t.Helper()
	bin, err := exec.LookPath("exim4")
	if err != nil {
		eximUnavailable(t, "exim4 is not installed (apt-get install exim4-daemon-light)")
	}
	if os.Geteuid() != 0 {
		eximUnavailable(t, "the Exim test runs Exim with a private configuration (-C), which needs root")
	}
	u, err := user.Lookup(eximUser)
	if err != nil {
		eximUnavailable(t, "Exim's user: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return bin, uid, gid
}

// startExim starts Exim for one test and stops it when the test ends.
// With loginOnly, AUTH PLAIN is not offered, only LOGIN.
func startExim(t *testing.T, loginOnly bool) *eximServer {
	t.Helper()
	bin, uid, gid := eximBinary(t)

	dir := t.TempDir()
	// Exim works as its own user on the spool, log and output: it must be
	// able to reach dir through every parent. The test's own directories
	// are opened to it (o+x); above the temporary root nothing is changed.
	root := filepath.Clean(os.TempDir())
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if !strings.HasPrefix(d, root+string(filepath.Separator)) {
				eximUnavailable(t, "%s is not searchable by others, so %s cannot reach its spool under %s", d, eximUser, dir)
			}
			if err := os.Chmod(d, fi.Mode().Perm()|0o001); err != nil {
				t.Fatal(err)
			}
		}
		if d == "/" || d == "." || d == filepath.Dir(d) {
			break
		}
	}
	for _, sub := range []string{"spool", "log", "out", "tls"} {
		p := filepath.Join(dir, sub)
		if err := os.Mkdir(p, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	// The certificate and key, readable by Exim's user.
	cert := mustCert(t, "exim.test")
	ex := &eximServer{dir: dir, certFile: filepath.Join(dir, "tls", "cert.pem")}
	keyFile := filepath.Join(dir, "tls", "key.pem")
	for src, dst := range map[string]string{cert.certFile(): ex.certFile, cert.keyFile(): keyFile} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dst, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	ex.port, ex.tlsPort = freePort(t), freePort(t)

	conf := filepath.Join(dir, "exim.conf")
	plain := "${if def:tls_in_cipher}"
	if loginOnly {
		plain = "false"
	}
	text := strings.NewReplacer("@PLAIN_ADVERTISE@", plain,
		"@DIR@", dir, "@USER@", eximUser, "@PORT@", strconv.Itoa(ex.port),
		"@TLSPORT@", strconv.Itoa(ex.tlsPort), "@LOGIN@", eximLogin, "@PASSWORD@", eximPassword,
	).Replace(eximConf)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-C", conf, "-bV").CombinedOutput(); err != nil {
		t.Fatalf("exim4 -bV: %v\n%s", err, out)
	}
	pidFile := filepath.Join(dir, "exim.pid")
	ports := fmt.Sprintf("%d : %d", ex.port, ex.tlsPort)
	if out, err := exec.Command(bin, "-C", conf, "-bd", "-q2s", "-oX", ports, "-oP", pidFile).CombinedOutput(); err != nil {
		t.Fatalf("exim4 -bd: %v\n%s", err, out)
	}
	t.Cleanup(func() { ex.stop(t, pidFile) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c1, err1 := net.DialTimeout("tcp", ex.addr(ex.port), time.Second)
		c2, err2 := net.DialTimeout("tcp", ex.addr(ex.tlsPort), time.Second)
		for _, c := range []net.Conn{c1, c2} {
			if c != nil {
				c.Close()
			}
		}
		if err1 == nil && err2 == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("exim did not come up on ports %s: %v, %v\n%s", ports, err1, err2, ex.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ex
}

// stop kills the daemon by the pid in its pid file and waits for it to go.
func (ex *eximServer) stop(t *testing.T, pidFile string) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Logf("exim pid file: %v", err)
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Logf("exim pid file: %q", b)
		return
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return
	}
	for i := 0; i < 50; i++ {
		if !processAlive(pid) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("exim (pid %d) did not stop on SIGTERM; killing it", pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// processAlive reports whether pid runs; a zombie (the daemon exited and
// waits for init to reap it) does not.
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) STATE ...; comm may hold spaces and parentheses.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

func (ex *eximServer) addr(port int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// relay is a client for ex in the given mode, trusting ex's certificate.
func (ex *eximServer) relay(t *testing.T, mode RelayTLS, password string) *Relay {
	port := ex.port
	if mode == RelayTLSImplicit {
		port = ex.tlsPort
	}
	return &Relay{Addr: ex.addr(port), LocalName: "helpdesk.test", Timeout: 10 * time.Second, TLS: mode,
		TLSConfig: mustTLSConfig(t, ex.certFile, "", ""), Username: eximLogin, Password: password}
}

// logs is Exim's main, reject and panic logs, for failure messages.
func (ex *eximServer) logs() string {
	var b strings.Builder
	for _, name := range []string{"mainlog", "rejectlog", "paniclog"} {
		if data, err := os.ReadFile(filepath.Join(ex.dir, "log", name)); err == nil && len(data) > 0 {
			fmt.Fprintf(&b, "--- exim %s:\n%s", name, data)
		}
	}
	return b.String()
}

// wantDelivered waits for Exim to deliver the message into out/mailbox
// and checks it is ours, for rcpt, received over TLS after AUTH with mech
// ("plain" or "login", as Exim's log names the authenticators).
func (ex *eximServer) wantDelivered(t *testing.T, rcpt, messageID, mech string) {
	t.Helper()
	file := filepath.Join(ex.dir, "out", "mailbox")
	var data []byte
	for i := 0; i < 100; i++ {
		var err error
		if data, err = os.ReadFile(file); err == nil && len(data) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(data) == 0 {
		t.Fatalf("exim delivered nothing to %s\n%s", file, ex.logs())
	}
	got := string(data)
	// The header names as Exim wrote them; case does not matter.
	var ids []string
	for _, line := range strings.Split(got, "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Message-ID") {
			ids = append(ids, strings.TrimSpace(value))
		}
	}
	if len(ids) != 1 || ids[0] != "<"+messageID+">" {
		t.Errorf("delivered Message-IDs %q, want one <%s>:\n%s", ids, messageID, got)
	}
	// "esmtpsa": ESMTP, secured with TLS, authenticated.
	if !strings.Contains(got, "with esmtpsa") {
		t.Errorf("delivered mail was not received over TLS with AUTH (want \"with esmtpsa\"):\n%s", got)
	}
	if !strings.Contains(got, "Return-path: <"+testFrom.Addr+">") || !strings.Contains(got, "Envelope-to: "+rcpt) {
		t.Errorf("delivered mail lacks the envelope (from %s to %s):\n%s", testFrom.Addr, rcpt, got)
	}
	if logs := ex.logs(); !strings.Contains(logs, "A="+mech+":"+eximLogin) {
		t.Errorf("exim's log has no A=%s:%s:\n%s", mech, eximLogin, logs)
	}
}

// wantMailbox waits until Exim delivered the messages with these
// Message-IDs, and no other. The order is not compared: Exim delivers
// each accepted message in a process of its own, so two messages taken
// in one session can reach the mailbox in either order.
func (ex *eximServer) wantMailbox(t *testing.T, ids ...string) {
	t.Helper()
	file := filepath.Join(ex.dir, "out", "mailbox")
	var got []string
	for i := 0; i < 100 && len(got) < len(ids); i++ {
		time.Sleep(100 * time.Millisecond)
		data, _ := os.ReadFile(file)
		got = nil
		for _, line := range strings.Split(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Message-ID") {
				got = append(got, strings.TrimSpace(value))
			}
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(got, want) {
		t.Errorf("delivered Message-IDs %q, want %q\n%s", got, ids, ex.logs())
	}
}

// wantNothing checks that Exim accepted no message.
func (ex *eximServer) wantNothing(t *testing.T) {
	t.Helper()
	// A message accepted by mistake would be delivered within moments.
	time.Sleep(300 * time.Millisecond)
	entries, err := os.ReadDir(filepath.Join(ex.dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("exim delivered %d files, want none\n%s", len(entries), ex.logs())
	}
	if logs := ex.logs(); strings.Contains(logs, " <= ") {
		t.Errorf("exim accepted a message:\n%s", logs)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// eximConf is the daemon's configuration; @NAME@ is filled in by
// startExim.
const eximConf = `# helpdesk relay test: a loopback smart host with TLS and AUTH
primary_hostname = exim.localhost
qualify_domain = localhost
exim_user = @USER@
exim_group = @USER@
spool_directory = @DIR@/spool
log_file_path = @DIR@/log/%slog
pid_file_path = @DIR@/exim.pid
local_interfaces = 127.0.0.1
daemon_smtp_ports = @PORT@ : @TLSPORT@
tls_on_connect_ports = @TLSPORT@
never_users =
keep_environment =
host_lookup =
rfc1413_hosts =
queue_only = false
tls_advertise_hosts = *
tls_certificate = @DIR@/tls/cert.pem
tls_privatekey = @DIR@/tls/key.pem
auth_advertise_hosts = *
acl_smtp_rcpt = acl_check_rcpt

begin acl

acl_check_rcpt:
  deny   recipients = refused@customer.test
         message = no such user
  accept authenticated = *
  deny   message = relay only for authenticated senders

begin routers

everything:
  driver = accept
  transport = to_file
  no_more

begin transports

to_file:
  driver = appendfile
  file = @DIR@/out/mailbox
  user = @USER@
  group = @USER@
  mode = 0640
  return_path_add
  envelope_to_add
  delivery_date_add

begin retry

* * F,1m,2s

begin authenticators

plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = ${if and {{eq{$auth2}{@LOGIN@}}{eq{$auth3}{@PASSWORD@}}}}
  server_set_id = $auth2
  server_advertise_condition = @PLAIN_ADVERTISE@

login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = ${if and {{eq{$auth1}{@LOGIN@}}{eq{$auth2}{@PASSWORD@}}}}
  server_set_id = $auth1
  server_advertise_condition = ${if def:tls_in_cipher}
`
