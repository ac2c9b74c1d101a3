package outbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"helpdesk/internal/netaddr"
)

// DefaultRelayTimeout bounds a whole SMTP transaction when
// Relay.Timeout is zero.
const DefaultRelayTimeout = 2 * time.Minute

// Relay is a Mailer that hands each message to an SMTP relay (a smart
// host): plain SMTP, STARTTLS or implicit TLS, with AUTH PLAIN or LOGIN
// when Username is set.
//
// Connections are reused: after a transaction the session, past EHLO,
// TLS and AUTH, waits in a small pool for the next message instead of
// paying a new connection and handshake each time. A session idle longer
// than IdleTimeout or that carried MaxMessages transactions is closed
// with QUIT, and so are those left idle by Close. A reused session the
// relay closed meanwhile is noticed before any of the message went out,
// and the message then goes over a fresh connection, once. Its owner
// calls Close when it stops sending; a Relay is not copied once used.
//
// When TLS is required, nothing after the handshake goes out unless the
// handshake succeeded and the certificate verified: a relay that does not
// offer STARTTLS, an untrusted certificate or a refused login is a
// temporary failure (the outbox row stays pending and is retried), never a
// fallback to plain text.
type Relay struct {
	// Addr is the relay's host:port.
	Addr string
	// LocalName is sent in EHLO; "localhost" when empty.
	LocalName string
	// Timeout bounds the dial and the whole transaction;
	// DefaultRelayTimeout when zero.
	Timeout time.Duration
	// TLS says how the connection is protected; "" means RelayTLSNone.
	TLS RelayTLS
	// TLSConfig checks the relay's certificate and may carry a client
	// certificate. Nil means the system's roots. An empty ServerName is
	// taken from Addr's host.
	TLSConfig *tls.Config
	// Username and Password, when Username is set, log in with AUTH PLAIN
	// if the relay offers it, else AUTH LOGIN. Credentials go only over
	// TLS, or with TLS RelayTLSNone to a loopback address.
	Username string
	Password string

	// MaxIdle bounds the sessions kept open between messages: as many
	// as the senders that share the Relay, DefaultRelayMaxIdle when zero.
	// Negative keeps none: one connection per message.
	MaxIdle int
	// IdleTimeout closes a session unused that long;
	// DefaultRelayIdleTimeout when zero.
	IdleTimeout time.Duration
	// MaxMessages is how many transactions one connection carries before
	// it is closed, as many relays limit it; DefaultRelayMaxMessages
	// when zero.
	MaxMessages int

	now  func() time.Time // the clock of idle times; time.Now when nil
	pool relayPool
}

var _ Mailer = (*Relay)(nil)

// Send delivers msg to the relay. A 5xx reply to MAIL, RCPT or DATA is a
// *PermanentError; everything else is temporary: a 4xx reply, a network
// failure, a timeout, and every failure before MAIL (TLS, certificate,
// AUTH), since those are fixed by the operator, not by the message.
// Cancelling ctx aborts the transaction.
func (r *Relay) Send(ctx context.Context, from string, to []string, msg []byte, messageID string) error {
	if err := r.send(ctx, from, to, msg); err != nil {
		err = fmt.Errorf("relay %s: send %s: %w", r.Addr, messageID, err)
		var se *smtp.SMTPError
		var step *RelayStepError
		if errors.As(err, &step) && step.Step == StepTransaction && errors.As(err, &se) &&
			se.Code/100 == 5 && !authRequired(se) {
			return permanent(err)
		}
		return err
	}
	return nil
}

// authRequired reports a 5xx reply that asks for AUTH or TLS (RFC 4954's
// 530, 538): the configuration is wrong, not the message.
func authRequired(se *smtp.SMTPError) bool {
	return se.Code == 530 || se.Code == 538
}

func (r *Relay) send(ctx context.Context, from string, to []string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	s := r.take()
	reused := s != nil
	if !reused {
		var err error
		if s, err = r.open(ctx, nil); err != nil {
			return err
		}
	}
	bodySent, err := r.transact(ctx, s, from, to, msg)
	if err != nil && reused && !bodySent && sessionGone(err) && ctx.Err() == nil {
		// The relay (or the network) dropped the idle session before any
		// of this message went out, so it cannot have been taken: a fresh
		// connection carries it, once.
		if s, err = r.open(ctx, nil); err != nil {
			return err
		}
		_, err = r.transact(ctx, s, from, to, msg)
	}
	if err != nil {
		return &RelayStepError{Step: StepTransaction, Err: ctxErr(ctx, err)}
	}
	return nil
}

// Verify runs every step of a delivery except the message itself:
// connect, EHLO, STARTTLS or the implicit TLS handshake, AUTH, then MAIL
// FROM:<from> and RSET, and QUIT. report, when not nil, is called after
// each step that succeeded with the step's name and what the relay said or
// showed (its certificate's subject, the AUTH mechanism). The error is a
// *RelayStepError naming the step that failed.
func (r *Relay) Verify(ctx context.Context, from string, report func(step, detail string)) error {
	if report == nil {
		report = func(string, string) {}
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	s, err := r.open(ctx, report)
	if err != nil {
		return err
	}
	defer s.close()
	defer s.arm(ctx)()
	if err := s.c.Mail(from, nil); err != nil {
		return &RelayStepError{Step: StepMail, Err: ctxErr(ctx, err)}
	}
	report(StepMail, "accepted <"+from+">")
	if err := s.c.Reset(); err != nil {
		return &RelayStepError{Step: StepReset, Err: ctxErr(ctx, err)}
	}
	report(StepReset, "transaction dropped, nothing sent")
	_ = s.c.Quit()
	return nil
}

func (r *Relay) timeout() time.Duration {
	if r.Timeout <= 0 {
		return DefaultRelayTimeout
	}
	return r.Timeout
}

func (r *Relay) localName() string {
	if r.LocalName == "" {
		return "localhost"
	}
	return r.LocalName
}

// open connects, secures the connection as r.TLS says and logs in. report
// may be nil. The session is not armed against ctx: its user arms it.
func (r *Relay) open(ctx context.Context, report func(step, detail string)) (*relaySession, error) {
	if report == nil {
		report = func(string, string) {}
	}
	mode := r.TLS
	if mode == "" {
		mode = RelayTLSNone
	}
	if err := mode.check(); err != nil {
		return nil, &RelayStepError{Step: StepConnect, Err: err}
	}
	if r.Username != "" && mode == RelayTLSNone && !netaddr.IsLoopback(r.Addr) {
		return nil, &RelayStepError{Step: StepConnect, Err: errors.New("credentials are set but TLS is off and the relay is not on loopback")}
	}

	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return nil, &RelayStepError{Step: StepConnect, Err: err}
	}
	// The client sets its own per-command deadlines, and none while the
	// body is written, so closing the connection is what reliably cuts a
	// session short when ctx ends.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	report(StepConnect, raw.RemoteAddr().String())
	s, secure, err := r.greet(ctx, raw, mode, report)
	if err != nil {
		raw.Close()
		return nil, err
	}
	if r.Username == "" {
		return s, nil
	}
	if !secure && mode != RelayTLSNone {
		// starttls-opportunistic to a relay without STARTTLS.
		s.close()
		return nil, &RelayStepError{Step: StepAuth, Err: errors.New("refusing to send credentials without TLS")}
	}
	if err := r.auth(ctx, s.c, report); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// greet secures raw as mode says and says EHLO. On failure the caller
// closes raw.
func (r *Relay) greet(ctx context.Context, raw net.Conn, mode RelayTLS, report func(step, detail string)) (s *relaySession, secure bool, err error) {
	fail := func(step string, err error) (*relaySession, bool, error) {
		return nil, false, &RelayStepError{Step: step, Err: ctxErr(ctx, err)}
	}
	conn := raw
	var c *smtp.Client
	switch mode {
	case RelayTLSImplicit:
		tc, detail, err := r.handshake(ctx, raw)
		if err != nil {
			return fail(StepTLS, err)
		}
		report(StepTLS, detail)
		conn, secure = tc, true
		c = smtp.NewClient(tc)
	case RelayTLSStartTLS, RelayTLSOpportunistic:
		pre, err := preTLS(raw, r.localName(), r.timeout())
		if err != nil {
			return fail(StepEHLO, err)
		}
		report(StepEHLO, "before TLS: "+pre.summary())
		if !pre.startTLS {
			if mode == RelayTLSStartTLS {
				return fail(StepStartTLS, errors.New("the relay does not offer STARTTLS, and TLS is required"))
			}
			report(StepStartTLS, "not offered; continuing in plain text")
			c = smtp.NewClient(pre.replay(raw))
			break
		}
		if err := pre.sendStartTLS(raw, r.timeout()); err != nil {
			return fail(StepStartTLS, err)
		}
		tc, detail, err := r.handshake(ctx, raw)
		if err != nil {
			return fail(StepStartTLS, err)
		}
		report(StepStartTLS, detail)
		conn, secure = tc, true
		c = smtp.NewClient(pre.replay(tc))
	default:
		c = smtp.NewClient(raw)
	}
	c.CommandTimeout = r.timeout()
	c.SubmissionTimeout = r.timeout()
	if err := c.Hello(r.localName()); err != nil {
		c.Close()
		return fail(StepEHLO, err)
	}
	detail := "accepted"
	if size, ok := c.MaxMessageSize(); ok && size > 0 {
		detail = fmt.Sprintf("accepted (SIZE %d)", size)
	}
	if secure && mode != RelayTLSImplicit {
		detail = "over TLS: " + detail
	}
	report(StepEHLO, detail)
	return &relaySession{c: c, conn: conn, raw: raw}, secure, nil
}

// auth logs in with AUTH PLAIN, else LOGIN; the caller made sure the
// session is encrypted (or on loopback).
func (r *Relay) auth(ctx context.Context, c *smtp.Client, report func(step, detail string)) error {
	var client sasl.Client
	var mech string
	switch {
	case c.SupportsAuth(sasl.Plain):
		client, mech = sasl.NewPlainClient("", r.Username, r.Password), sasl.Plain
	case c.SupportsAuth(sasl.Login):
		client, mech = sasl.NewLoginClient(r.Username, r.Password), sasl.Login
	default:
		_, mechs := c.Extension("AUTH")
		return &RelayStepError{Step: StepAuth, Err: fmt.Errorf("the relay offers neither AUTH PLAIN nor LOGIN (AUTH %q)", mechs)}
	}
	if err := c.Auth(client); err != nil {
		return &RelayStepError{Step: StepAuth, Err: ctxErr(ctx, fmt.Errorf("%s as %s: %w", mech, r.Username, err))}
	}
	report(StepAuth, mech+" as "+r.Username)
	return nil
}

// handshake runs the TLS handshake over conn and describes the result.
func (r *Relay) handshake(ctx context.Context, conn net.Conn) (*tls.Conn, string, error) {
	conf, err := r.tlsConfig()
	if err != nil {
		return nil, "", err
	}
	tc := tls.Client(conn, conf)
	hctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, "", err
	}
	return tc, describeTLS(tc.ConnectionState()), nil
}

// tlsConfig is r.TLSConfig, or a default one, with ServerName filled.
func (r *Relay) tlsConfig() (*tls.Config, error) {
	conf := r.TLSConfig
	if conf == nil {
		conf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if conf.ServerName == "" {
		host, _, err := net.SplitHostPort(r.Addr)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", r.Addr, err)
		}
		conf = conf.Clone()
		conf.ServerName = host
	}
	return conf, nil
}

// ctxErr explains an I/O error caused by closing the connection on
// cancellation with the context's error, keeping both in the chain.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}
