package smtp

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

const rcptOK = "support@support.example.com"

// mailN is a valid mail with its own Message-ID.
func mailN(i int) string {
	return fmt.Sprintf("From: Ann <ann@shop.example>\r\nTo: %s\r\nSubject: Case %d\r\n"+
		"Message-ID: <h%d@shop.example>\r\n\r\nText %d.\r\n", rcptOK, i, i, i)
}

// rawConn dials addr and returns the connection and its first reply line.
func rawConn(t *testing.T, addr string) (net.Conn, *bufio.Reader, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		c.Close()
		t.Fatalf("greeting: %v", err)
	}
	return c, r, strings.TrimRight(line, "\r\n")
}

func TestServer_OptionsReachGoSMTP(t *testing.T) {
	s := New(nil, Options{ReadTimeout: 7 * time.Second, WriteTimeout: 9 * time.Second, MaxLineLength: 4000})
	if s.srv.ReadTimeout != 7*time.Second || s.srv.WriteTimeout != 9*time.Second || s.srv.MaxLineLength != 4000 {
		t.Fatalf("read %v write %v line %d", s.srv.ReadTimeout, s.srv.WriteTimeout, s.srv.MaxLineLength)
	}
	d := New(nil, Options{})
	if d.srv.ReadTimeout != 5*time.Minute || d.srv.MaxRecipients != 100 || d.srv.MaxLineLength != 1<<20 ||
		d.opts.MaxConnsPerIP != 20 || d.opts.MaxMessagesPerMinute != 120 || d.srv.TLSConfig != nil {
		t.Fatalf("defaults: %+v", d.opts)
	}
}

// TestServer_IdleTimeout: a client that says nothing is told so and
// disconnected once ReadTimeout passes.
func TestServer_IdleTimeout(t *testing.T) {
	f := mustServer(t, Options{ReadTimeout: 200 * time.Millisecond})
	c, r, greet := rawConn(t, f.addr)
	defer c.Close()
	if !strings.HasPrefix(greet, "220 ") {
		t.Fatalf("greeting %q", greet)
	}
	line, _ := r.ReadString('\n')
	if !strings.HasPrefix(line, "421 ") {
		t.Fatalf("after idling: %q, want 421", line)
	}
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Fatalf("connection still open after the idle timeout: %v", err)
	}
}

func TestServer_MaxRecipients(t *testing.T) {
	f := mustServer(t, Options{})
	c, err := gosmtp.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("ann@shop.example", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := c.Rcpt(rcptOK, nil); err != nil {
			t.Fatalf("rcpt %d: %v", i+1, err)
		}
	}
	err = c.Rcpt(rcptOK, nil)
	if smtpCode(err) != 452 || !strings.Contains(err.Error(), "100 recipients") {
		t.Fatalf("101st rcpt: %v, want 452 naming the limit", err)
	}
	// The transaction goes on with the 100 accepted.
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, good)
	if err := w.Close(); err != nil {
		t.Fatalf("data: %v", err)
	}
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

func TestServer_LongLines(t *testing.T) {
	f := mustServer(t, Options{MaxLineLength: 1000})

	t.Run("in the message", func(t *testing.T) {
		c, err := gosmtp.Dial(f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.SendMail("ann@shop.example", []string{rcptOK}, strings.NewReader(good+strings.Repeat("x", 1500)+"\r\n"))
		if smtpCode(err) != 554 || !strings.Contains(err.Error(), "longer than 1000 bytes") {
			t.Fatalf("answer %v, want 554 saying the line is too long", err)
		}
		// The stream cannot be trusted any more: the server hangs up.
		if err := c.Noop(); err == nil {
			t.Fatal("connection still usable after a too-long line")
		}
	})
	t.Run("in a command", func(t *testing.T) {
		c, r, _ := rawConn(t, f.addr)
		defer c.Close()
		fmt.Fprintf(c, "EHLO %s\r\n", strings.Repeat("a", 1500))
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				break
			}
			last = line
		}
		if !strings.HasPrefix(last, "500 5.4.0") || !strings.Contains(last, "Too long line") {
			t.Fatalf("last answer %q, want 500 5.4.0 Too long line", last)
		}
	})
	// The server itself is fine.
	if err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, good); err != nil {
		t.Fatalf("normal mail afterwards: %v", err)
	}
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

// TestServer_ConnLimits: beyond either limit, the per-IP one (loopback
// counted here) and the server's own (loopback included always), a
// connection gets 421 saying why and is closed, and a slot frees when a
// connection leaves.
func TestServer_ConnLimits(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
		why  string
	}{
		{"per address", Options{MaxConnsPerIP: 2, LimitLoopback: true}, "Too many connections from your address"},
		{"server", Options{MaxConns: 2}, "Too many connections at the moment (at most 2)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkConnLimit(t, mustServer(t, c.opts), c.why)
		})
	}
}

func checkConnLimit(t *testing.T, f *fixture, why string) {
	t.Helper()
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for i := 0; i < 2; i++ {
		c, _, greet := rawConn(t, f.addr)
		open = append(open, c)
		if !strings.HasPrefix(greet, "220 ") {
			t.Fatalf("connection %d: %q", i+1, greet)
		}
	}
	c, r, greet := rawConn(t, f.addr)
	if !strings.HasPrefix(greet, "421 4.7.0 ") || !strings.Contains(greet, why) {
		t.Fatalf("third connection: %q, want 421 saying %q", greet, why)
	}
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Fatalf("refused connection not closed: %v", err)
	}
	c.Close()

	// Once one leaves, a new one is let in.
	fmt.Fprintf(open[0], "QUIT\r\n")
	open[0].Close()
	open = open[1:]
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _, greet := rawConn(t, f.addr)
		c.Close()
		if strings.HasPrefix(greet, "220 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed: %q", greet)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestServer_LoopbackExempt: without LimitLoopback a relay on the same
// host is not limited.
func TestServer_LoopbackExempt(t *testing.T) {
	f := mustServer(t, Options{MaxConnsPerIP: 1, MaxMessagesPerMinute: 1})
	c1, _, g1 := rawConn(t, f.addr)
	defer c1.Close()
	c2, _, g2 := rawConn(t, f.addr)
	defer c2.Close()
	if !strings.HasPrefix(g1, "220 ") || !strings.HasPrefix(g2, "220 ") {
		t.Fatalf("greetings %q %q", g1, g2)
	}
	for i := 0; i < 3; i++ {
		if err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, mailN(i)); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestServer_MessageRatePerIP(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f := mustServer(t, Options{MaxMessagesPerMinute: 3, LimitLoopback: true, Now: clock.Now})
	for i := 0; i < 3; i++ {
		if err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, mailN(i)); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
		clock.Add(10 * time.Second)
	}
	err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, mailN(3))
	if smtpCode(err) != 451 || !strings.Contains(err.Error(), "Too many messages from your address (at most 3 a minute)") {
		t.Fatalf("4th mail within a minute: %v, want 451 saying why", err)
	}
	var se *gosmtp.SMTPError
	if !asSMTP(err, &se) || !se.Temporary() {
		t.Fatalf("rate refusal is not temporary: %v", err)
	}
	// 30 s later the first mail has left the window: one more fits.
	clock.Add(31 * time.Second)
	if err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, mailN(3)); err != nil {
		t.Fatalf("after the window moved: %v", err)
	}
	if err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, mailN(4)); smtpCode(err) != 451 {
		t.Fatalf("window full again: %v, want 451", err)
	}
	if n := len(f.tickets(t)); n != 4 {
		t.Fatalf("%d tickets, want 4", n)
	}
}

func TestRateWindow_ForgetsIdlePeers(t *testing.T) {
	var r rateWindow
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 50; i++ {
		r.allow(fmt.Sprintf("192.0.2.%d", i), t0, 5)
	}
	r.allow("198.51.100.1", t0.Add(2*time.Minute), 5)
	if len(r.seen) != 1 {
		t.Fatalf("%d peers remembered, want 1", len(r.seen))
	}
}

func asSMTP(err error, se **gosmtp.SMTPError) bool {
	e, ok := err.(*gosmtp.SMTPError)
	*se = e
	return ok
}

// selfSigned returns a server certificate for localhost/127.0.0.1 and a
// pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return cert, pool, certPEM, keyPEM
}

func TestServer_STARTTLS(t *testing.T) {
	_, pool, certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)
	tc, err := LoadTLSConfig(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTLSConfig(certFile, certFile); err == nil {
		t.Fatal("a certificate as its own key was accepted")
	}
	f := mustServer(t, Options{TLSConfig: tc})

	plain, err := gosmtp.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := plain.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	// AUTH is off: not offered.
	if ok, _ := plain.Extension("AUTH"); ok {
		t.Fatal("AUTH offered without credentials configured")
	}

	c, err := gosmtp.DialStartTLS(f.addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("starttls: %v", err)
	}
	defer c.Close()
	if err := c.SendMail("ann@shop.example", []string{rcptOK}, strings.NewReader(good)); err != nil {
		t.Fatalf("send over tls: %v", err)
	}
	st, ok := c.TLSConnectionState()
	if !ok || !st.HandshakeComplete || st.Version < tls.VersionTLS12 {
		t.Fatalf("tls state %+v %v", st, ok)
	}
	if err := c.SendMail("ann@shop.example", []string{"victim@elsewhere.example"}, strings.NewReader(good)); smtpCode(err) != 550 {
		t.Fatalf("relay over tls: %v, want 550", err)
	}
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

const (
	relayUser = "relay"
	relayPass = "s3cret-Relay-pass"
	wrongPass = "guessed-Wrong-pass"
)

// authServer is a server with AUTH on, logging into the returned buffer.
func authServer(t *testing.T, opts Options) (*fixture, *x509.CertPool, *syncBuffer) {
	t.Helper()
	cert, pool, _, _ := selfSigned(t)
	logs := &syncBuffer{}
	opts.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	opts.AuthUsername, opts.AuthPassword = relayUser, relayPass
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return mustServer(t, opts), pool, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestServer_Auth(t *testing.T) {
	f, pool, logs := authServer(t, Options{})
	tlsDial := func(t *testing.T) *gosmtp.Client {
		c, err := gosmtp.DialStartTLS(f.addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("no auth, no mail", func(t *testing.T) {
		err := send(t, f.addr, "ann@shop.example", []string{rcptOK}, good)
		if smtpCode(err) != 530 || !strings.Contains(err.Error(), "Authentication required") {
			t.Fatalf("unauthenticated: %v, want 530", err)
		}
		c := tlsDial(t)
		if err := c.SendMail("ann@shop.example", []string{rcptOK}, strings.NewReader(good)); smtpCode(err) != 530 {
			t.Fatalf("tls but unauthenticated: %v, want 530", err)
		}
	})
	t.Run("not in the clear", func(t *testing.T) {
		c, err := gosmtp.Dial(f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Hello("relay.example")
		if ok, _ := c.Extension("AUTH"); ok {
			t.Fatal("AUTH offered without TLS")
		}
		if err := c.Auth(sasl.NewPlainClient("", relayUser, relayPass)); err == nil {
			t.Fatal("AUTH accepted in the clear")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		c := tlsDial(t)
		if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN" {
			t.Fatalf("AUTH over tls: %v %q, want PLAIN", ok, mechs)
		}
		err := c.Auth(sasl.NewPlainClient("", relayUser, wrongPass))
		if smtpCode(err) != 535 {
			t.Fatalf("wrong password: %v, want 535", err)
		}
		if err := c.SendMail("ann@shop.example", []string{rcptOK}, strings.NewReader(good)); smtpCode(err) != 530 {
			t.Fatalf("after a failed auth: %v, want 530", err)
		}
		if err := c.Auth(sasl.NewPlainClient("", "someone", relayPass)); smtpCode(err) != 535 {
			t.Fatalf("wrong user: %v, want 535", err)
		}
		if err := c.Auth(sasl.NewPlainClient("", relayUser, relayPass+"x")); smtpCode(err) != 535 {
			t.Fatalf("third failure: %v, want 535", err)
		}
		// No more guesses on this connection, not even the right one.
		if err := c.Auth(sasl.NewPlainClient("", relayUser, relayPass)); smtpCode(err) != 454 {
			t.Fatalf("fourth try: %v, want 454", err)
		}
	})
	t.Run("right password", func(t *testing.T) {
		c := tlsDial(t)
		if err := c.Auth(sasl.NewPlainClient("", relayUser, relayPass)); err != nil {
			t.Fatalf("auth: %v", err)
		}
		if err := c.SendMail("ann@shop.example", []string{rcptOK}, strings.NewReader(good)); err != nil {
			t.Fatalf("authenticated send: %v", err)
		}
		// Authenticated is still not a relay.
		err := c.SendMail("ann@shop.example", []string{"victim@elsewhere.example"}, strings.NewReader(good))
		if smtpCode(err) != 550 || !strings.Contains(err.Error(), "relaying is not permitted") {
			t.Fatalf("authenticated relay attempt: %v, want 550", err)
		}
	})
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
	out := logs.String()
	if strings.Contains(out, relayPass) || strings.Contains(out, wrongPass) {
		t.Fatalf("a password reached the log:\n%s", out)
	}
	if !strings.Contains(out, "authentication failed") {
		t.Fatalf("failed auth not logged:\n%s", out)
	}
}

// TestServer_AuthLoopbackInClear: with AllowInsecureAuth a loopback relay
// may authenticate without TLS.
func TestServer_AuthLoopbackInClear(t *testing.T) {
	f, _, _ := authServer(t, Options{AllowInsecureAuth: true})
	c, err := gosmtp.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", relayUser, relayPass)); err != nil {
		t.Fatalf("auth on loopback: %v", err)
	}
	if err := c.SendMail("ann@shop.example", []string{rcptOK}, strings.NewReader(good)); err != nil {
		t.Fatalf("send: %v", err)
	}
}

// TestSession_AuthOnlyLoopbackInClear checks the rule for a non-loopback
// peer, which a test on 127.0.0.1 cannot be.
func TestSession_AuthOnlyLoopbackInClear(t *testing.T) {
	s := New(nil, Options{AuthUsername: "u", AuthPassword: "p", AllowInsecureAuth: true})
	for _, c := range []struct {
		ip   string
		tls  bool
		want bool
	}{
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"192.0.2.7", false, false},
		{"192.0.2.7", true, true},
	} {
		ss := &session{srv: s, ip: c.ip, tls: c.tls}
		if got := ss.authOK(); got != c.want {
			t.Errorf("%s tls=%v: auth allowed %v, want %v", c.ip, c.tls, got, c.want)
		}
		if _, err := ss.Auth(sasl.Plain); (err == nil) != c.want {
			t.Errorf("%s tls=%v: Auth err %v", c.ip, c.tls, err)
		}
	}
	if New(nil, Options{}).authRequired() {
		t.Fatal("auth required without credentials")
	}
}

func TestReadPasswordFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pw")
	os.WriteFile(p, []byte("hunter2-long\r\n"), 0o600)
	if pw, err := ReadPasswordFile(p); err != nil || pw != "hunter2-long" {
		t.Fatalf("%q %v", pw, err)
	}
	os.WriteFile(p, []byte("\n"), 0o600)
	if _, err := ReadPasswordFile(p); err == nil {
		t.Fatal("empty password accepted")
	}
	if _, err := ReadPasswordFile(filepath.Join(dir, "none")); err == nil {
		t.Fatal("missing file accepted")
	}
}

// TestServer_AuthFailuresPerIP: failed logins count per address across
// connections; past the limit AUTH is refused (454) even with the right
// password, until the oldest failure leaves the span.
func TestServer_AuthFailuresPerIP(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f, _, logs := authServer(t, Options{AllowInsecureAuth: true, LimitLoopback: true, Now: clock.Now})
	auth := func(pass string) error {
		c, err := gosmtp.Dial(f.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.Auth(sasl.NewPlainClient("", relayUser, pass))
	}
	// One wrong password per connection, so the per-connection limit
	// never applies.
	for i := 0; i < maxAuthFailsPerIP; i++ {
		if err := auth(wrongPass); smtpCode(err) != 535 {
			t.Fatalf("failure %d: %v, want 535", i+1, err)
		}
		clock.Add(time.Minute)
	}
	err := auth(relayPass)
	if smtpCode(err) != 454 || !strings.Contains(err.Error(), "from your address") {
		t.Fatalf("after %d failures: %v, want 454 saying why", maxAuthFailsPerIP, err)
	}
	if !strings.Contains(logs.String(), "too many failures from this address") {
		t.Fatalf("refusal not logged:\n%s", logs.String())
	}
	// The first failure leaves the span: one try is allowed again.
	clock.Add(authFailSpan - time.Duration(maxAuthFailsPerIP-1)*time.Minute)
	if err := auth(relayPass); err != nil {
		t.Fatalf("after the span: %v", err)
	}
}

func TestLimitKey(t *testing.T) {
	for _, c := range []struct{ ip, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:bbbb:cccc:dddd:eeee", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"not an address", "not an address"},
	} {
		if got := limitKey(c.ip); got != c.want {
			t.Errorf("limitKey(%q) = %q, want %q", c.ip, got, c.want)
		}
	}
}

// TestServer_ShutdownBeforeServe: a Shutdown that comes before Serve has
// begun (a gateway stopped right after it started) still ends it, and
// closes its listener.
func TestServer_ShutdownBeforeServe(t *testing.T) {
	s := New(nil, Options{}) // no mail reaches it
	if err := s.Shutdown(t.Context()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		ln.Close()
		t.Fatal("serve after shutdown kept accepting")
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("the listener is still open")
	}
}
