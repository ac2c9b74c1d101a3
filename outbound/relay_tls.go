package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strings"
	"time"
)

// RelayTLS says how Relay protects its connection.
type RelayTLS string

const (
	// RelayTLSNone speaks plain SMTP, for a relay on loopback or a
	// trusted network.
	RelayTLSNone RelayTLS = "none"
	// RelayTLSStartTLS requires STARTTLS (port 587 or 25) and a
	// certificate that verifies.
	RelayTLSStartTLS RelayTLS = "starttls"
	// RelayTLSOpportunistic uses STARTTLS when the relay offers it, with
	// the same certificate check as RelayTLSStartTLS, and plain SMTP when
	// it does not. A failed handshake is still a failure, and AUTH is
	// refused without TLS.
	RelayTLSOpportunistic RelayTLS = "starttls-opportunistic"
	// RelayTLSImplicit speaks TLS from the first byte (port 465).
	RelayTLSImplicit RelayTLS = "implicit"
)

// ParseRelayTLS checks a relay_tls setting; "" means RelayTLSNone.
func ParseRelayTLS(s string) (RelayTLS, error) {
	if s == "" {
		return RelayTLSNone, nil
	}
	m := RelayTLS(s)
	return m, m.check()
}

func (m RelayTLS) check() error {
	switch m {
	case RelayTLSNone, RelayTLSStartTLS, RelayTLSOpportunistic, RelayTLSImplicit:
		return nil
	}
	return fmt.Errorf("relay TLS mode %q is not none, starttls, starttls-opportunistic or implicit", string(m))
}

// The steps of a relay session, as RelayStepError and Relay.Verify name
// them.
const (
	StepConnect     = "connect"
	StepEHLO        = "ehlo"
	StepStartTLS    = "starttls"
	StepTLS         = "implicit tls" // the handshake on connect
	StepAuth        = "auth"
	StepMail        = "mail from"
	StepReset       = "rset"
	StepTransaction = "transaction" // MAIL, RCPT and DATA of a real send
)

// RelayStepError says which step of a relay session failed.
type RelayStepError struct {
	Step string
	Err  error
}

func (e *RelayStepError) Error() string { return e.Step + ": " + e.Err.Error() }
func (e *RelayStepError) Unwrap() error { return e.Err }

// RelayTLSConfig builds the TLS configuration for a relay: the system's
// roots plus the PEM certificates in caFile (when not empty), and the
// client certificate in certFile and keyFile (when not empty; both or
// neither). The server name is left empty: Relay takes it from its address.
func RelayTLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("relay CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("relay CA file %s holds no PEM certificate", caFile)
		}
		conf.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("relay client certificate: the certificate and the key go together")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("relay client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}

// describeTLS names the protocol, the cipher suite and the relay's
// certificate.
func describeTLS(cs tls.ConnectionState) string {
	s := tls.VersionName(cs.Version) + ", " + tls.CipherSuiteName(cs.CipherSuite)
	if len(cs.PeerCertificates) > 0 {
		cert := cs.PeerCertificates[0]
		s += fmt.Sprintf("; certificate %q issued by %q, valid until %s",
			cert.Subject.String(), cert.Issuer.String(), cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return s
}

// preTLSSession is the plain-text start of a STARTTLS session: greeting
// and EHLO, spoken here rather than by go-smtp's client because that
// client cannot say EHLO with our name before STARTTLS.
type preTLSSession struct {
	text     *textproto.Conn
	greeting string // the first line of the server's 220 greeting
	exts     []string
	startTLS bool
}

// preTLS reads the greeting and says EHLO on conn.
func preTLS(conn net.Conn, localName string, timeout time.Duration) (*preTLSSession, error) {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	// No bytes arrive between our commands' replies, so the reader's
	// buffer is empty whenever the connection changes hands.
	text := textproto.NewConn(conn)
	_, msg, err := text.ReadResponse(220)
	if err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	s := &preTLSSession{text: text}
	s.greeting, _, _ = strings.Cut(msg, "\n")
	id, err := text.Cmd("EHLO %s", localName)
	if err != nil {
		return nil, err
	}
	text.StartResponse(id)
	_, msg, err = text.ReadResponse(250)
	text.EndResponse(id)
	if err != nil {
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		kw, _, _ := strings.Cut(l, " ")
		kw = strings.ToUpper(kw)
		s.exts = append(s.exts, kw)
		if kw == "STARTTLS" {
			s.startTLS = true
		}
	}
	return s, nil
}

func (s *preTLSSession) summary() string {
	return fmt.Sprintf("greeting %q; offers %s", s.greeting, strings.Join(s.exts, " "))
}

// sendStartTLS says STARTTLS and expects 220.
func (s *preTLSSession) sendStartTLS(conn net.Conn, timeout time.Duration) error {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	id, err := s.text.Cmd("STARTTLS")
	if err != nil {
		return err
	}
	s.text.StartResponse(id)
	defer s.text.EndResponse(id)
	if _, _, err := s.text.ReadResponse(220); err != nil {
		return fmt.Errorf("STARTTLS refused: %w", err)
	}
	return nil
}

// replay returns conn with the server's greeting put back in front: a
// go-smtp client reads a greeting first, and then says EHLO again, as
// RFC 3207 requires after STARTTLS.
func (s *preTLSSession) replay(conn net.Conn) net.Conn {
	greeting := "220 " + s.greeting + "\r\n"
	return &replayConn{Conn: conn, r: io.MultiReader(strings.NewReader(greeting), conn)}
}

type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }
