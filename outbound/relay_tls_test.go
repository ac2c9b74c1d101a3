package outbound

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"helpdesk/core"
)

// ---- a real go-smtp server on loopback with TLS and AUTH ----

// testCert is a self-signed certificate for 127.0.0.1 and localhost,
// with its PEM written to a file for RelayTLSConfig.
type testCert struct {
	cert   tls.Certificate
	x509   *x509.Certificate
	pemDir string
}

func (c *testCert) certFile() string { return filepath.Join(c.pemDir, "cert.pem") }
func (c *testCert) keyFile() string  { return filepath.Join(c.pemDir, "key.pem") }

func mustCert(t testing.TB, cn string) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"helpdesk test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &testCert{
		cert:   tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed},
		x509:   parsed,
		pemDir: t.TempDir(),
	}
	if err := os.WriteFile(c.certFile(), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.keyFile(), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// tlsBackend records mail like smtpBackend, and also every AUTH and MAIL
// command it saw, and whether the connection was TLS at that moment.
type tlsBackend struct {
	smtpBackend
	user, pass string

	mu        sync.Mutex
	auths     []string // "PLAIN user" / "LOGIN user", tls or not
	mailCmds  int
	plainMail int // MAIL commands seen on a connection without TLS
}

func (b *tlsBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.conns.Add(1)
	return &tlsSession{smtpSession: smtpSession{b: &b.smtpBackend, conn: c}, tb: b, conn: c}, nil
}

func (b *tlsBackend) counts() (auths []string, mails, plainMails int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.auths...), b.mailCmds, b.plainMail
}

type tlsSession struct {
	smtpSession
	tb     *tlsBackend
	conn   *smtp.Conn
	authed bool
}

func (s *tlsSession) AuthMechanisms() []string {
	if s.tb.user == "" {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (s *tlsSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		_, isTLS := s.conn.TLSConnectionState()
		s.tb.mu.Lock()
		s.tb.auths = append(s.tb.auths, mech+" "+user+map[bool]string{true: " tls", false: " plain"}[isTLS])
		s.tb.mu.Unlock()
		if user != s.tb.user || pass != s.tb.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		s.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *tlsSession) Mail(from string, opts *smtp.MailOptions) error {
	_, isTLS := s.conn.TLSConnectionState()
	s.tb.mu.Lock()
	s.tb.mailCmds++
	if !isTLS {
		s.tb.plainMail++
	}
	s.tb.mu.Unlock()
	if s.tb.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	return s.smtpSession.Mail(from, opts)
}

// loginServer is the server side of AUTH LOGIN, which go-sasl lacks.
type loginServer struct {
	check      func(user, pass string) error
	step       int
	user, pass string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if resp != nil {
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	}
	l.pass = string(resp)
	return nil, true, l.check(l.user, l.pass)
}

type tlsServerOptions struct {
	mode       RelayTLS // none (no STARTTLS offered), starttls or implicit
	cert       *testCert
	user, pass string
	loginOnly  bool           // offer AUTH LOGIN only
	clientCA   *x509.CertPool // require a client certificate from this pool
}

// mustStartTLSRelay runs a go-smtp server on 127.0.0.1 as opts says.
func mustStartTLSRelay(t testing.TB, opts tlsServerOptions) (*tlsBackend, string) {
	t.Helper()
	be := &tlsBackend{user: opts.user, pass: opts.pass}
	var backend smtp.Backend = be
	if opts.loginOnly {
		backend = smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
			s, _ := be.NewSession(c)
			return loginOnly{s.(*tlsSession)}, nil
		})
	}
	s := smtp.NewServer(backend)
	s.Domain = "relay.test"
	s.MaxLineLength = 64 << 10
	s.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conf *tls.Config
	if opts.cert != nil {
		conf = &tls.Config{Certificates: []tls.Certificate{opts.cert.cert}}
		if opts.clientCA != nil {
			conf.ClientCAs, conf.ClientAuth = opts.clientCA, tls.RequireAndVerifyClientCert
		}
	}
	switch opts.mode {
	case RelayTLSStartTLS:
		s.TLSConfig = conf
	case RelayTLSImplicit:
		ln = tls.NewListener(ln, conf)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return be, ln.Addr().String()
}

type loginOnly struct{ *tlsSession }

func (s loginOnly) AuthMechanisms() []string { return []string{sasl.Login} }

// ---- the cases ----

func relayMail(t *testing.T) []byte {
	t.Helper()
	raw, err := BuildEmail(testNotice(), testFrom, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func mustTLSConfig(t testing.TB, caFile, certFile, keyFile string) *tls.Config {
	t.Helper()
	conf, err := RelayTLSConfig(caFile, certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

func TestRelay_TLSDelivers(t *testing.T) {
	cert := mustCert(t, "relay.test")
	raw := relayMail(t)
	for _, tc := range []struct {
		name      string
		server    RelayTLS
		client    RelayTLS
		loginOnly bool
		wantAuth  string
	}{
		{"StartTLSPlain", RelayTLSStartTLS, RelayTLSStartTLS, false, "PLAIN helpdesk tls"},
		{"StartTLSLogin", RelayTLSStartTLS, RelayTLSStartTLS, true, "LOGIN helpdesk tls"},
		{"Opportunistic", RelayTLSStartTLS, RelayTLSOpportunistic, false, "PLAIN helpdesk tls"},
		{"Implicit", RelayTLSImplicit, RelayTLSImplicit, false, "PLAIN helpdesk tls"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be, addr := mustStartTLSRelay(t, tlsServerOptions{mode: tc.server, cert: cert, user: "helpdesk", pass: "s3cret", loginOnly: tc.loginOnly})
			r := &Relay{Addr: addr, LocalName: "helpdesk.test", Timeout: 5 * time.Second, TLS: tc.client,
				TLSConfig: mustTLSConfig(t, cert.certFile(), "", ""), Username: "helpdesk", Password: "s3cret"}
			if err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x"); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := be.received()
			if len(got) != 1 || !bytes.Equal(got[0].Data, raw) {
				t.Fatalf("relay got %d mails (or changed data)", len(got))
			}
			auths, _, plain := be.counts()
			if len(auths) != 1 || auths[0] != tc.wantAuth {
				t.Errorf("AUTH seen: %q, want %q", auths, tc.wantAuth)
			}
			if plain != 0 {
				t.Errorf("%d MAIL commands in plain text", plain)
			}
		})
	}
}

func TestRelay_TLSFailuresSendNothing(t *testing.T) {
	cert := mustCert(t, "relay.test")
	other := mustCert(t, "someone-else.test")
	raw := relayMail(t)
	for _, tc := range []struct {
		name     string
		server   RelayTLS
		client   RelayTLS
		caFile   string
		pass     string
		wantStep string
		wantErr  string
		noAuth   bool // the server must not have seen AUTH at all
	}{
		{"WrongPassword", RelayTLSStartTLS, RelayTLSStartTLS, cert.certFile(), "wrong", StepAuth, "535", false},
		{"UntrustedCertStartTLS", RelayTLSStartTLS, RelayTLSStartTLS, other.certFile(), "s3cret", StepStartTLS, "certificate", true},
		{"UntrustedCertSystemRoots", RelayTLSStartTLS, RelayTLSStartTLS, "", "s3cret", StepStartTLS, "certificate", true},
		{"UntrustedCertImplicit", RelayTLSImplicit, RelayTLSImplicit, "", "s3cret", StepTLS, "certificate", true},
		{"UntrustedCertOpportunistic", RelayTLSStartTLS, RelayTLSOpportunistic, "", "s3cret", StepStartTLS, "certificate", true},
		{"NoStartTLSOffered", RelayTLSNone, RelayTLSStartTLS, cert.certFile(), "s3cret", StepStartTLS, "does not offer STARTTLS", true},
		{"NoStartTLSOpportunisticWithCredentials", RelayTLSNone, RelayTLSOpportunistic, cert.certFile(), "s3cret", StepAuth, "without TLS", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be, addr := mustStartTLSRelay(t, tlsServerOptions{mode: tc.server, cert: cert, user: "helpdesk", pass: "s3cret"})
			r := &Relay{Addr: addr, LocalName: "helpdesk.test", Timeout: 5 * time.Second, TLS: tc.client,
				TLSConfig: mustTLSConfig(t, tc.caFile, "", ""), Username: "helpdesk", Password: tc.pass}
			err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x")
			if err == nil {
				t.Fatal("Send: no error")
			}
			t.Logf("Send: %v", err)
			if IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = true, want a temporary error (row stays pending)", err)
			}
			var se *RelayStepError
			if !errors.As(err, &se) || se.Step != tc.wantStep || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want step %q and %q", err, tc.wantStep, tc.wantErr)
			}
			auths, mails, _ := be.counts()
			if tc.noAuth && len(auths) > 0 {
				t.Errorf("server saw AUTH %q", auths)
			}
			if mails != 0 || len(be.received()) != 0 {
				t.Errorf("server saw %d MAIL commands, %d mails", mails, len(be.received()))
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestRelay_TLSNoneRefusesRemoteCredentials(t *testing.T) {
	r := &Relay{Addr: "192.0.2.1:25", Username: "u", Password: "p", Timeout: time.Second}
	err := r.Send(context.Background(), "a@b.test", []string{"c@d.test"}, []byte("x"), "id@x")
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "not on loopback") {
		t.Fatalf("err = %v", err)
	}
}

// A refused login leaves the worker's row pending for a retry, never dead.
func TestRelay_WrongPasswordKeepsRowPending(t *testing.T) {
	cert := mustCert(t, "relay.test")
	be, addr := mustStartTLSRelay(t, tlsServerOptions{mode: RelayTLSStartTLS, cert: cert, user: "helpdesk", pass: "s3cret"})
	relay := &Relay{Addr: addr, Timeout: 5 * time.Second, TLS: RelayTLSStartTLS,
		TLSConfig: mustTLSConfig(t, cert.certFile(), "", ""), Username: "helpdesk", Password: "wrong"}
	env := MustWorker(t, func(_ *Options, m *Mailer) { *m = relay })
	id := env.q.add(t, core.OutboxEmail, 1042, testNotice(), t0)
	env.drain(t, 0)
	r := env.q.row(id)
	checkRow(t, r, "pending", 1)
	if !strings.Contains(r.LastError, "auth") || !strings.Contains(r.LastError, "535") {
		t.Errorf("last error = %q", r.LastError)
	}
	if len(be.received()) != 0 {
		t.Fatal("mail delivered with a wrong password")
	}

	relay.Password = "s3cret"
	env.clock.Add(time.Hour)
	env.drain(t, 1)
	checkRow(t, env.q.row(id), "sent", 2)
}

func TestRelay_ClientCertificate(t *testing.T) {
	cert := mustCert(t, "relay.test")
	client := mustCert(t, "helpdesk client")
	pool := x509.NewCertPool()
	pool.AddCert(client.x509)
	be, addr := mustStartTLSRelay(t, tlsServerOptions{mode: RelayTLSImplicit, cert: cert, clientCA: pool})
	raw := relayMail(t)

	without := &Relay{Addr: addr, Timeout: 5 * time.Second, TLS: RelayTLSImplicit, TLSConfig: mustTLSConfig(t, cert.certFile(), "", "")}
	if err := without.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x"); err == nil || IsPermanent(err) {
		t.Fatalf("without a client certificate: err = %v, want a temporary error", err)
	}
	with := &Relay{Addr: addr, Timeout: 5 * time.Second, TLS: RelayTLSImplicit,
		TLSConfig: mustTLSConfig(t, cert.certFile(), client.certFile(), client.keyFile())}
	if err := with.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x"); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	if n := len(be.received()); n != 1 {
		t.Fatalf("relay got %d mails, want 1", n)
	}
}

func TestRelay_Verify(t *testing.T) {
	cert := mustCert(t, "relay.test")
	be, addr := mustStartTLSRelay(t, tlsServerOptions{mode: RelayTLSStartTLS, cert: cert, user: "helpdesk", pass: "s3cret"})
	r := &Relay{Addr: addr, LocalName: "helpdesk.test", Timeout: 5 * time.Second, TLS: RelayTLSStartTLS,
		TLSConfig: mustTLSConfig(t, cert.certFile(), "", ""), Username: "helpdesk", Password: "s3cret"}
	var steps []string
	err := r.Verify(context.Background(), testFrom.Addr, func(step, detail string) {
		steps = append(steps, step+": "+detail)
	})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	all := strings.Join(steps, "\n")
	for _, want := range []string{"connect: 127.0.0.1:", `ehlo: before TLS: greeting "relay.test ESMTP Service Ready"; offers`, "STARTTLS",
		`starttls: TLS 1.3`, `certificate "CN=relay.test,O=helpdesk test"`, "auth: PLAIN as helpdesk",
		"mail from: accepted <" + testFrom.Addr + ">", "rset: "} {
		if !strings.Contains(all, want) {
			t.Errorf("steps lack %q:\n%s", want, all)
		}
	}
	if _, mails, _ := be.counts(); mails != 1 || len(be.received()) != 0 {
		t.Errorf("MAIL commands %d, mails %d; want 1, 0", mails, len(be.received()))
	}

	r.Password = "wrong"
	err = r.Verify(context.Background(), testFrom.Addr, nil)
	var se *RelayStepError
	if !errors.As(err, &se) || se.Step != StepAuth {
		t.Fatalf("Verify with a wrong password: %v, want a failed auth step", err)
	}
}
