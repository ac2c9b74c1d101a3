// Package imaptest starts a real, private Dovecot IMAP server on 127.0.0.1
// for end-to-end tests of the IMAP poller, and offers a few helpers to put
// mail into it and look at mailboxes through IMAP.
//
// Each server lives entirely in the test's t.TempDir(): its own
// configuration file, base_dir, state_dir, instance name, log, passwd-file
// users and mail storage. No system service is started or stopped and nothing
// under /etc is read or written. The Dovecot master runs in the foreground
// as a child of the test binary, in a process group of its own; Stop (also
// registered with t.Cleanup) terminates that group and waits for it.
//
// Requirements: Linux, root (Dovecot refuses to run mail processes as root,
// so the mail storage belongs to "nobody", and only root can set that up),
// and the Debian packages dovecot-core and dovecot-imapd:
//
//	apt-get install -y --no-install-recommends dovecot-core dovecot-imapd
//
// When Dovecot is missing (or the test does not run as root) Start skips the
// test, unless the environment variable HELPDESK_REQUIRE_DOVECOT=1 is set, in
// which case it fails instead. Set it on CI so that a broken install cannot
// silently skip the end-to-end tests.
//
// Typical use:
//
//	srv := imaptest.Start(t, imaptest.Options{TLS: true})
//	srv.Append(t, imaptest.DefaultUser, "INBOX", raw)
//	// point the poller at srv.Addr (or srv.TLSAddr with srv.ClientTLSConfig())
//	// using imaptest.DefaultUser / imaptest.DefaultPassword
//
// Servers are independent of each other, so tests that call Start may run
// with t.Parallel. On a small VM a start took 0.05–0.2 s and a stop about
// 20 ms; AppendMany loads 10,000 small messages in about 0.3 s.
//
// Deviations from a stock Dovecot worth knowing when writing tests:
// failed logins are answered within about 0.5 s instead of after 2 s, and
// Dovecot's per-IP auth penalty (2–15 s extra delay for every login from
// an IP after failures) is disabled; see the comment on the config.
package imaptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"helpdesk/internal/netaddr"
)

// Default credentials, used when Options.Users is empty.
const (
	DefaultUser     = "support"
	DefaultPassword = "secret"
)

// RequireEnv is the environment variable that turns "Dovecot is not
// installed" from a skip into a test failure when set to "1".
const RequireEnv = "HELPDESK_REQUIRE_DOVECOT"

const installHint = "apt-get install -y --no-install-recommends dovecot-core dovecot-imapd"

// mailUser owns the mail storage; Dovecot's imap processes run as it.
const mailUser = "nobody"

// internalUser runs Dovecot's auth service (default_internal_user); it
// must be able to read the passwd-file.
const internalUser = "dovecot"

// Timeouts.
const (
	startTimeout = 15 * time.Second // until the server greets
	stopTimeout  = 10 * time.Second // SIGTERM → exit, before SIGKILL
	startTries   = 5                // attempts when a picked port got taken
)

// Options configure Start. The zero value is valid.
type Options struct {
	// Users maps user names to passwords. Empty means
	// {DefaultUser: DefaultPassword}. Names must be non-empty and may not
	// contain ':', '/', whitespace or control characters; passwords may
	// not contain ':' or control characters (passwd-file format).
	Users map[string]string

	// TLS also opens an implicit-TLS listener (Server.TLSAddr) and offers
	// STARTTLS on Server.Addr, with a freshly generated self-signed
	// certificate for 127.0.0.1 and localhost (Server.CAFile). Plaintext
	// LOGIN stays allowed on Server.Addr either way.
	TLS bool

	// AuthFailureDelay is how long Dovecot waits before answering a failed
	// login (auth_failure_delay). Zero, the default here, still takes up
	// to 0.5 s because Dovecot answers failures from a timer; Dovecot's
	// own default is 2 s.
	AuthFailureDelay time.Duration

	// Maildir stores mail as Maildir (one file per message, under
	// Dir/mail/USER/Maildir) instead of the default mdbox. Maildir is
	// what many production servers use, but creating one file per message
	// makes bulk loading about ten times slower.
	Maildir bool

	// ExtraConfig is appended verbatim to the generated dovecot.conf
	// (Dovecot 2.3 syntax); a setting given again there overrides the
	// generated one.
	ExtraConfig string

	// Verbose turns on Dovecot's auth and mail debug logging (in the log
	// file, see Server.LogFile).
	Verbose bool
}

// Server is a running private Dovecot instance.
type Server struct {
	// Addr is the plain IMAP listener, "127.0.0.1:port". It accepts
	// LOGIN and AUTHENTICATE PLAIN without TLS and, with Options.TLS,
	// also STARTTLS.
	Addr string
	// TLSAddr is the implicit-TLS listener (IMAPS); empty without
	// Options.TLS.
	TLSAddr string
	// CAFile is the PEM file of the self-signed server certificate, to be
	// used as the clients' root CA; empty without Options.TLS.
	CAFile string
	// Dir is the server's private directory (a t.TempDir()). The home
	// directory of user U is Dir/mail/U, with the mail in ./mdbox (or
	// ./Maildir).
	Dir string
	// ConfigFile is the generated dovecot.conf, for doveadm -c or
	// dovecot-lda -c.
	ConfigFile string
	// LogFile receives all of Dovecot's logging.
	LogFile string

	users   map[string]string
	certPEM []byte
	mailUID int
	mailGID int
	authGID int // group of Dovecot's internal user, which runs auth

	instance string // instance_name and greeting of the current attempt
	cmd      *exec.Cmd
	stopOnce sync.Once
	stopErr  error
}

var instanceSeq atomic.Uint64

// Available reports whether Dovecot with its IMAP server is installed.
// Tests that need it call Start, which skips when it is not; Available is
// for callers that want to decide earlier.
func Available() bool {
	_, _, err := findDovecot()
	return err == nil
}

// findDovecot returns the dovecot binary and the directory holding the
// imap executable.
func findDovecot() (bin, libexec string, err error) {
	if runtime.GOOS != "linux" {
		return "", "", errors.New("the Dovecot test server runs on Linux only")
	}
	bin, err = exec.LookPath("dovecot")
	if err != nil {
		// root's PATH normally has /usr/sbin, other PATHs may not.
		for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
			if fi, e := os.Stat(p); e == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				bin, err = p, nil
				break
			}
		}
		if err != nil {
			return "", "", errors.New("dovecot binary not found")
		}
	}
	for _, dir := range []string{"/usr/lib/dovecot", "/usr/libexec/dovecot", "/usr/local/libexec/dovecot"} {
		if fi, e := os.Stat(filepath.Join(dir, "imap")); e == nil && fi.Mode().IsRegular() {
			return bin, dir, nil
		}
	}
	return bin, "", errors.New("dovecot is installed but its imap server is not (package dovecot-imapd)")
}

// Start starts a private Dovecot in t.TempDir(), waits until it greets
// IMAP clients, and stops it in t.Cleanup. When Dovecot is not installed
// or the process is not root, it skips the test with an install hint, or
// fails it if HELPDESK_REQUIRE_DOVECOT=1.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	var msg string
	if _, _, err := findDovecot(); err != nil {
		msg = fmt.Sprintf("imaptest: %v; install with: %s", err, installHint)
	} else if os.Geteuid() != 0 {
		msg = "imaptest: the Dovecot test server needs root (its mail processes run as " + mailUser + ")"
	}
	if msg != "" {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s (%s=1 is set)", msg, RequireEnv)
		}
		t.Skip(msg)
	}

	users := opts.Users
	if len(users) == 0 {
		users = map[string]string{DefaultUser: DefaultPassword}
	}
	for u, p := range users {
		if err := checkCredentials(u, p); err != nil {
			t.Fatalf("imaptest: %v", err)
		}
	}

	mu, err := user.Lookup(mailUser)
	if err != nil {
		t.Fatalf("imaptest: look up mail user: %v", err)
	}
	uid, _ := strconv.Atoi(mu.Uid)
	gid, _ := strconv.Atoi(mu.Gid)

	s := &Server{
		Dir:     t.TempDir(),
		users:   make(map[string]string, len(users)),
		mailUID: uid,
		mailGID: gid,
	}
	for u, p := range users {
		s.users[u] = p
	}
	s.authGID = -1
	if g, err := user.Lookup(internalUser); err == nil {
		s.authGID, _ = strconv.Atoi(g.Gid)
	}
	s.ConfigFile = filepath.Join(s.Dir, "dovecot.conf")
	s.LogFile = filepath.Join(s.Dir, "dovecot.log")

	if err := s.prepare(t, opts); err != nil {
		t.Fatalf("imaptest: %v", err)
	}
	// Registered after t.TempDir, so it runs before the directory is removed.
	t.Cleanup(s.Stop)

	for try := 1; ; try++ {
		err := s.startOnce(opts)
		if err == nil {
			return s
		}
		if errors.Is(err, errPortTaken) && try < startTries {
			continue // another process grabbed a port we picked; pick again
		}
		t.Fatalf("imaptest: start dovecot (attempt %d): %v\n%s", try, err, s.logTail(30))
	}
}

var errPortTaken = errors.New("port already in use")

func checkCredentials(u, p string) error {
	if u == "" || u == "." || u == ".." {
		return fmt.Errorf("invalid user name %q", u)
	}
	for _, r := range u {
		if r == ':' || r == '/' || r <= ' ' || r == 0x7f {
			return fmt.Errorf("invalid character %q in user name %q", r, u)
		}
	}
	for _, r := range p {
		if r == ':' || r < ' ' || r == 0x7f {
			return fmt.Errorf("invalid character %q in the password of %q", r, u)
		}
	}
	return nil
}

// prepare creates everything that does not depend on the ports.
func (s *Server) prepare(t testing.TB, opts Options) error {
	if err := allowTraverse(t, s.Dir, s.mailUID, s.mailGID); err != nil {
		return err
	}
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(s.Dir, d), 0o755); err != nil {
			return err
		}
	}
	var users bytes.Buffer
	for _, u := range sortedKeys(s.users) {
		home := filepath.Join(s.Dir, "mail", u)
		if err := os.MkdirAll(home, 0o700); err != nil {
			return err
		}
		if err := chownTree(home, s.mailUID, s.mailGID); err != nil {
			return err
		}
		// user:{PLAIN}password:uid:gid:gecos:home
		fmt.Fprintf(&users, "%s:{PLAIN}%s:%d:%d::%s\n", u, s.users[u], s.mailUID, s.mailGID, home)
	}
	if err := os.Chown(filepath.Join(s.Dir, "mail"), s.mailUID, s.mailGID); err != nil {
		return err
	}
	// Read by the auth service, which runs as Dovecot's internal user.
	usersFile := filepath.Join(s.Dir, "users")
	if err := os.WriteFile(usersFile, users.Bytes(), 0o640); err != nil {
		return err
	}
	if s.authGID >= 0 {
		if err := os.Chown(usersFile, 0, s.authGID); err != nil {
			return err
		}
	} else if err := os.Chmod(usersFile, 0o644); err != nil {
		return err
	}
	if opts.TLS {
		certPEM, keyPEM, err := selfSignedCert()
		if err != nil {
			return fmt.Errorf("generate certificate: %w", err)
		}
		s.certPEM = certPEM
		s.CAFile = filepath.Join(s.Dir, "cert.pem")
		if err := os.WriteFile(s.CAFile, certPEM, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(s.Dir, "key.pem"), keyPEM, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// startOnce picks ports, writes the config and runs the master until it
// greets. It returns errPortTaken (wrapped) when a listener could not bind.
func (s *Server) startOnce(opts Options) error {
	bin, _, err := findDovecot()
	if err != nil {
		return err
	}
	port, err := netaddr.FreePort()
	if err != nil {
		return err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	tlsPort := 0
	s.TLSAddr = ""
	if opts.TLS {
		for tlsPort == 0 || tlsPort == port {
			if tlsPort, err = netaddr.FreePort(); err != nil {
				return err
			}
		}
		s.TLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
	}
	// Unique per attempt; also the greeting, so that a server that took
	// our port in the meantime is not mistaken for ours.
	s.instance = fmt.Sprintf("helpdesk-imaptest-%d-%d", os.Getpid(), instanceSeq.Add(1))
	conf := s.config(opts, port, tlsPort)
	if err := os.WriteFile(s.ConfigFile, []byte(conf), 0o644); err != nil {
		return err
	}

	// The master's own stderr gets errors from before its log service
	// runs, such as configuration errors; most are repeated in the log.
	errf, err := os.OpenFile(s.stderrFile(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer errf.Close()
	errOffset, _ := errf.Seek(0, 2)

	// -F: stay in the foreground as our child, so that we can wait for it.
	cmd := exec.Command(bin, "-F", "-c", s.ConfigFile)
	cmd.Dir = s.Dir
	cmd.Stdout = errf
	cmd.Stderr = errf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", bin, err)
	}
	s.cmd = cmd

	deadline := time.Now().Add(startTimeout)
	for {
		if exited(cmd.Process.Pid) {
			_ = s.stop() // reaps it, and anything it left behind
			if strings.Contains(readFrom(s.stderrFile(), errOffset), "Address already in use") {
				return fmt.Errorf("%w: %s", errPortTaken, cmd.ProcessState)
			}
			return fmt.Errorf("dovecot exited during start-up: %s", cmd.ProcessState)
		}
		if greets(s.Addr, s.instance) {
			break
		}
		if time.Now().After(deadline) {
			s.stop()
			return fmt.Errorf("no IMAP greeting on %s within %s", s.Addr, startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.TLSAddr != "" {
		// The master binds all listeners before it starts any service,
		// so this only checks that the TLS handshake works.
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.TLSAddr, s.ClientTLSConfig())
		if err != nil {
			s.stop()
			return fmt.Errorf("TLS handshake with %s: %w", s.TLSAddr, err)
		}
		c.Close()
	}
	return nil
}

// greets reports whether addr answers with an IMAP "* OK" greeting that
// contains token.
func greets(addr, token string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "* OK") || !strings.Contains(line, token) {
		return false
	}
	// Leave politely, so that Dovecot does not log an aborted login.
	_, _ = c.Write([]byte("x LOGOUT\r\n"))
	return true
}

// Stop terminates the server and waits until all of its processes are
// gone. It is idempotent, safe to call before the test ends (e.g. to test
// the poller's reconnects) and is also run by t.Cleanup. The server cannot
// be restarted; call Start again for a new one.
func (s *Server) Stop() {
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
}

// stop sends SIGTERM to the master's process group, waits for the master
// to exit (SIGKILL to the group after stopTimeout), sweeps any leftover
// member of the group with SIGKILL and only then reaps the master. Until
// it is reaped the master's PID, which is also the group ID, cannot be
// reused, so the signals reach nothing but the processes this package
// started.
//
// SIGTERM to the master alone also works, but its orderly shutdown takes
// about a second; signalling the whole group takes milliseconds (the
// services log "Killed with signal 15", which is harmless).
func (s *Server) stop() error {
	cmd := s.cmd
	if cmd == nil {
		return nil
	}
	s.cmd = nil
	pgid := cmd.Process.Pid
	signalGroup(pgid, syscall.SIGTERM)
	deadline := time.Now().Add(stopTimeout)
	killed := false
	for !exited(pgid) {
		if !killed && time.Now().After(deadline) {
			signalGroup(pgid, syscall.SIGKILL)
			killed = true
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Services that outlived the master (there should be none) die now;
	// wait until they are gone, so that nothing outlives Stop.
	signalGroup(pgid, syscall.SIGKILL)
	for end := time.Now().Add(stopTimeout); groupAlive(pgid) && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	err := cmd.Wait()
	if killed {
		return fmt.Errorf("dovecot did not stop within %s; killed", stopTimeout)
	}
	return err
}

// ClientTLSConfig returns a TLS client configuration that trusts only the
// server's self-signed certificate, with ServerName "localhost" (the
// certificate is also valid for the IP 127.0.0.1). Nil without Options.TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.certPEM == nil {
		return nil
	}
	return clientTLSConfig(s.certPEM)
}

// Password returns the password of user, and whether the user exists.
func (s *Server) Password(user string) (string, bool) {
	p, ok := s.users[user]
	return p, ok
}

// Users returns the configured user names, sorted.
func (s *Server) Users() []string { return sortedKeys(s.users) }

// Home returns user's home directory; the mail is in its mdbox (or
// Maildir) subdirectory.
func (s *Server) Home(user string) string {
	return filepath.Join(s.Dir, "mail", user)
}

func chownTree(root string, uid, gid int) error {
	return filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (s *Server) stderrFile() string { return filepath.Join(s.Dir, "dovecot.stderr") }

// logTail returns the end of Dovecot's log, plus the end of the master's
// stderr unless the log already has it.
func (s *Server) logTail(n int) string {
	out := "--- tail of " + s.LogFile + " ---\n" + tailFile(s.LogFile, n)
	errTail := strings.TrimSpace(tailFile(s.stderrFile(), n))
	if errTail == "" {
		return out
	}
	lines := strings.Split(errTail, "\n")
	logText, _ := os.ReadFile(s.LogFile)
	if !bytes.Contains(logText, []byte(lines[len(lines)-1])) {
		out += "\n--- tail of " + s.stderrFile() + " ---\n" + errTail
	}
	return out
}

// tailFile returns the last n lines of a file (or why it can't).
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func readFrom(path string, off int64) string {
	b, err := os.ReadFile(path)
	if err != nil || off > int64(len(b)) {
		return ""
	}
	return string(b[off:])
}
