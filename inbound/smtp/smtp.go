// Package smtp is the gateway's own SMTP server (emersion/go-smtp): it
// takes customer mail for the departments' addresses, hands each message
// to core, and answers 250 only after core's transaction has committed.
//
// It is never an open relay: a recipient that core does not accept is
// refused at RCPT with 550, whether or not the session authenticated.
//
// Hardening: read/write timeouts, limits on recipients, line length and
// message size, per-IP limits on concurrent connections (421) and on
// messages a minute (451), STARTTLS with a configured certificate, and
// optional AUTH PLAIN for a relay in front (mail then only from an
// authenticated session).
package smtp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/core"
	"helpdesk/inbound/mail"
	"helpdesk/inbound/mailauth"
)

// Receiver is what the server needs from core.
type Receiver interface {
	AcceptsRecipient(addr string) bool
	Receive(ctx context.Context, e *core.Email) (*core.Receipt, error)
}

// Options configure a Server. Zero values are documented per field.
type Options struct {
	// Hostname in the greeting; "" means "localhost".
	Hostname string
	// MaxMessageBytes refused with 552; 0 means 25 MiB.
	MaxMessageBytes int64
	// MaxRecipients per message, refused with 452; 0 means 100.
	MaxRecipients int
	// MaxLineLength of a command or message line; longer lines fail the
	// message with 554 and end the connection. 0 means 1 MiB (real mail
	// has long lines, HTML without wrapping).
	MaxLineLength int
	// ReadTimeout and WriteTimeout per command; 0 means 5 minutes
	// (RFC 5321 §4.5.3.2 asks for at least that much).
	ReadTimeout, WriteTimeout time.Duration
	// MaxConnsPerIP is how many connections one address may hold open at
	// once; more are answered 421 and closed. 0 means 20, negative means
	// no limit.
	MaxConnsPerIP int
	// MaxConns is how many connections the server holds open at once,
	// from everyone, loopback included; more are answered 421 and closed,
	// so a flood of idle sessions cannot take the descriptors the
	// database and the other channels need. 0 means 1,000, negative
	// means no limit.
	MaxConns int
	// MaxMessagesPerMinute from one address (counted at MAIL, over a
	// sliding minute); more are answered 451. 0 means 120, negative
	// means no limit. Authenticated sessions (the relay in front) are
	// not counted.
	MaxMessagesPerMinute int
	// LimitLoopback applies the per-IP limits to loopback peers too. By
	// default they are exempt: a relay on the same host carries every
	// customer's mail and has limits of its own.
	LimitLoopback bool
	// Now is the clock of the rate window; nil means time.Now.
	Now func() time.Time
	// TLSConfig, when set, offers STARTTLS (see LoadTLSConfig).
	TLSConfig *tls.Config
	// AuthUsername and AuthPassword, when both set, turn on AUTH PLAIN
	// and accept mail only from a session that authenticated with them
	// (530 otherwise, 535 for wrong credentials). AUTH needs TLS, except
	// from a loopback peer when AllowInsecureAuth is set.
	AuthUsername, AuthPassword string
	AllowInsecureAuth          bool
	// ReceiveTimeout bounds core's transaction for one message; 0 means
	// 30 s. Past it the client gets 451 and retries.
	ReceiveTimeout time.Duration
	// ParseOptions bound what is read of a message; a message over a
	// MIME limit is refused with 554. The zero value means mail's
	// defaults.
	ParseOptions mail.ParseOptions
	// ParseBudget, when set, is the memory shared by every message being
	// read and parsed: a message reserves its declared SIZE (else
	// sizelessReserve, and MaxMessageBytes once it outgrows that) before
	// its body is read, and keeps what it turned out to be until it is
	// stored. nil reserves nothing.
	ParseBudget *mail.Budget
	// BudgetWait is how long a message waits for its share of
	// ParseBudget before the client gets 452 and tries later; 0 means
	// 60 s, well within a client's wait for the reply to DATA, and a
	// negative value not to wait at all.
	BudgetWait time.Duration
	// Verifier, when set, checks the sender of each mail (SPF, DKIM,
	// DMARC; docs/rules.md §6) at the end of DATA, within half of the
	// ReceiveTimeout. nil checks nothing: core gets no sender check.
	Verifier *mailauth.Verifier
	// TrustedAuthservID, when set, takes the verdict from the
	// Authentication-Results field of the MTA with this authserv-id
	// instead, for mail that carries one. Set it only when that MTA is
	// the only way in and removes such fields from the mail it receives.
	TrustedAuthservID string
	// Refuse, when set and true, makes new sessions get 421 at EHLO: the
	// channel is disabled (docs/rules.md §8) and clients keep their mail and
	// try again later. nil never refuses.
	Refuse func() bool
	// OnReply, when set, is told each reply the server decides itself,
	// with its code and a short reason (replies.go lists them); go-smtp's
	// own replies to syntax errors are not told. It must not block. nil
	// tells nothing.
	OnReply func(code int, reason string)
	// OnCommit, when set, is told how long each accepted message took
	// from the end of DATA to core's commit (parse, sender check and
	// transaction). It must not block. nil tells nothing.
	OnCommit func(time.Duration)
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Server is the inbound SMTP listener.
type Server struct {
	srv  *gosmtp.Server
	recv Receiver
	opts Options
	log  *slog.Logger
	// conns and rate hold the per-IP limits' state.
	conns connCounter
	total connCounter // every connection, under the key ""
	// lnMu guards listeners and stopped (Serve, Shutdown, Close).
	lnMu      sync.Mutex
	listeners []net.Listener
	stopped   bool
	rate      rateWindow
	authFails rateWindow // failed logins per address, over authFailSpan
	// userSum and passSum are SHA-256 sums of the credentials, compared
	// in constant time; nil when AUTH is off.
	userSum, passSum []byte
	// base is cancelled by Close, cutting short transactions in flight.
	base   context.Context
	cancel context.CancelFunc
}

// New returns a Server that delivers to recv.
func New(recv Receiver, opts Options) *Server {
	if opts.Hostname == "" {
		opts.Hostname = "localhost"
	}
	if opts.MaxMessageBytes == 0 {
		opts.MaxMessageBytes = 25 << 20
	}
	if opts.MaxRecipients == 0 {
		opts.MaxRecipients = 100
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = 5 * time.Minute
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 5 * time.Minute
	}
	if opts.ReceiveTimeout == 0 {
		opts.ReceiveTimeout = 30 * time.Second
	}
	if opts.BudgetWait == 0 {
		opts.BudgetWait = time.Minute
	}
	if opts.MaxLineLength <= 0 {
		opts.MaxLineLength = 1 << 20
	}
	if opts.MaxConnsPerIP == 0 {
		opts.MaxConnsPerIP = 20
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 1000
	}
	if opts.MaxMessagesPerMinute == 0 {
		opts.MaxMessagesPerMinute = 120
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{recv: recv, opts: opts, log: opts.Logger, authFails: rateWindow{span: authFailSpan}}
	if s.log == nil {
		s.log = slog.Default().With("component", "smtp")
	}
	if opts.AuthUsername != "" && opts.AuthPassword != "" {
		u, p := sha256.Sum256([]byte(opts.AuthUsername)), sha256.Sum256([]byte(opts.AuthPassword))
		s.userSum, s.passSum = u[:], p[:]
	}
	s.opts.AuthPassword = "" // only the sum is kept
	s.base, s.cancel = context.WithCancel(context.Background())
	srv := gosmtp.NewServer(s)
	srv.Domain = opts.Hostname
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.ReadTimeout = opts.ReadTimeout
	srv.WriteTimeout = opts.WriteTimeout
	// Real mail has long lines (HTML without wrapping); go-smtp's default
	// of 2000 would fail such a message and drop the connection.
	srv.MaxLineLength = opts.MaxLineLength
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = opts.TLSConfig
	// go-smtp's switch is for every peer; session.authOK narrows it to
	// loopback peers.
	srv.AllowInsecureAuth = opts.AllowInsecureAuth
	// Unexpected internal errors go to our log, not to stderr.
	srv.ErrorLog = errorLog{s.log}
	s.srv = srv
	return s
}

// Serve accepts connections on ln until Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error {
	// go-smtp learns of a listener only inside its Serve: a Shutdown that
	// came first would close nothing and leave this Serve accepting for
	// ever. So the listener is registered here, under our own lock.
	s.lnMu.Lock()
	if s.stopped {
		s.lnMu.Unlock()
		ln.Close()
		return nil
	}
	s.listeners = append(s.listeners, ln)
	s.lnMu.Unlock()
	err := s.srv.Serve(&limitListener{Listener: ln, s: s})
	if errors.Is(err, gosmtp.ErrServerClosed) || s.isStopped() {
		return nil
	}
	return err
}

// stop marks the server stopped, so that a Serve yet to begin returns
// at once.
func (s *Server) stop() {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	s.stopped = true
}

// closeListeners closes the listeners Serve was given, after go-smtp
// closed those it knew of: one registered here but not yet there would
// keep its Serve accepting. go-smtp has closed the others already, so
// errors say nothing.
func (s *Server) closeListeners() {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	for _, ln := range s.listeners {
		ln.Close()
	}
}

func (s *Server) isStopped() bool {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	return s.stopped
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// the sessions in progress to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop()
	err := s.srv.Shutdown(ctx)
	s.closeListeners()
	s.cancel()
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.stop()
	s.cancel()
	err := s.srv.Close()
	s.closeListeners()
	return err
}

// NewSession implements gosmtp.Backend.
func (s *Server) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	if s.opts.Refuse != nil && s.opts.Refuse() {
		s.reply(errDisabled.Code, ReasonDisabled)
		return nil, errDisabled
	}
	_, isTLS := c.TLSConnectionState()
	s.reply(220, ReasonGreeting)
	return &session{srv: s, conn: c, ip: peerIP(c.Conn().RemoteAddr()), tls: isTLS,
		log: s.log.With("remote", c.Conn().RemoteAddr().String())}, nil
}

// limited says whether the per-IP limits apply to ip.
func (s *Server) limited(ip string) bool {
	return s.opts.LimitLoopback || !isLoopbackIP(ip)
}

// authRequired says whether mail needs an authenticated session.
func (s *Server) authRequired() bool { return s.userSum != nil }

type session struct {
	srv    *Server
	conn   *gosmtp.Conn // for the HELO name
	ip     string
	tls    bool // the session began after STARTTLS
	log    *slog.Logger
	env    core.Envelope
	size   int64 // the message's SIZE as the client declared it; 0 if not
	authed bool
	// authFails counts failed AUTH attempts in this connection.
	authFails int
}

func (ss *session) Mail(from string, opts *gosmtp.MailOptions) error {
	if ss.srv.authRequired() && !ss.authed {
		ss.srv.reply(errAuthRequired.Code, ReasonAuthRequired)
		return errAuthRequired
	}
	if !ss.authed && ss.srv.limited(ss.ip) &&
		!ss.srv.rate.allow(limitKey(ss.ip), ss.srv.opts.Now(), ss.srv.opts.MaxMessagesPerMinute) {
		ss.log.Warn("message refused: rate limit", "limit_per_minute", ss.srv.opts.MaxMessagesPerMinute)
		ss.srv.reply(451, ReasonRateLimited)
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0},
			Message: fmt.Sprintf("Too many messages from your address (at most %d a minute), try again later",
				ss.srv.opts.MaxMessagesPerMinute)}
	}
	ss.env = core.Envelope{Sender: from, NullSender: from == "", Live: true}
	ss.size = 0
	if opts != nil {
		ss.size = opts.Size
	}
	return nil
}

// authOK says whether AUTH may happen on this session: over TLS, or in
// the clear from a loopback peer when that is allowed.
func (ss *session) authOK() bool {
	return ss.srv.authRequired() &&
		(ss.tls || ss.srv.opts.AllowInsecureAuth && isLoopbackIP(ss.ip))
}

// AuthMechanisms implements gosmtp.AuthSession.
func (ss *session) AuthMechanisms() []string {
	if !ss.authOK() {
		return nil
	}
	return []string{sasl.Plain}
}

// maxAuthFails in one connection before AUTH is refused on it, and
// maxAuthFailsPerIP from one address (an IPv6 /64) in authFailSpan before
// AUTH is refused to it until the oldest leaves the span: guessing a
// password costs a new connection, and then time.
const (
	maxAuthFails      = 3
	maxAuthFailsPerIP = 10
	authFailSpan      = 15 * time.Minute
)

// Auth implements gosmtp.AuthSession.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !ss.srv.authRequired() {
		return nil, gosmtp.ErrAuthUnsupported
	}
	if !ss.authOK() {
		ss.srv.reply(errEncryptionRequired.Code, ReasonEncryptionRequired)
		return nil, errEncryptionRequired
	}
	if ss.authFails >= maxAuthFails {
		ss.srv.reply(errTooManyAuthFails.Code, ReasonTooManyAuthFailures)
		return nil, errTooManyAuthFails
	}
	key := limitKey(ss.ip)
	if ss.srv.limited(ss.ip) && ss.srv.authFails.full(key, ss.srv.opts.Now(), maxAuthFailsPerIP) {
		ss.log.Warn("authentication refused: too many failures from this address", "limit", maxAuthFailsPerIP, "span", authFailSpan)
		ss.srv.reply(errTooManyAuthFailsFromIP.Code, ReasonTooManyAuthFailures)
		return nil, errTooManyAuthFailsFromIP
	}
	if mech != sasl.Plain {
		return nil, gosmtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		u, p := sha256.Sum256([]byte(username)), sha256.Sum256([]byte(password))
		okUser := subtle.ConstantTimeCompare(u[:], ss.srv.userSum)
		okPass := subtle.ConstantTimeCompare(p[:], ss.srv.passSum)
		if okUser&okPass == 1 && (identity == "" || identity == username) {
			ss.authed = true
			ss.log.Info("authenticated", "username", username)
			return nil
		}
		ss.authFails++
		ss.srv.authFails.add(key, ss.srv.opts.Now())
		// The password is never logged, not even a wrong one.
		ss.log.Warn("authentication failed", "username", username, "failures", ss.authFails)
		ss.srv.reply(535, ReasonAuthFailed)
		return gosmtp.ErrAuthFailed
	}), nil
}

func (ss *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if !ss.srv.recv.AcceptsRecipient(to) {
		ss.log.Info("recipient refused", "rcpt", to)
		ss.srv.reply(550, ReasonUnknownRecipient)
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("<%s>: no such recipient here, and relaying is not permitted", to)}
	}
	ss.env.Recipients = append(ss.env.Recipients, to)
	return nil
}

// Data reads and receives the message, and tells OnReply and OnCommit.
func (ss *session) Data(r io.Reader) error {
	reason, err := ss.data(r)
	ss.srv.reply(replyCode(err), reason)
	return err
}

func (ss *session) data(r io.Reader) (reason string, err error) {
	res, err := ss.reserve()
	if err != nil {
		ss.log.Warn("message deferred: too much mail being read at once", "size", ss.size, "waited", max(ss.srv.opts.BudgetWait, 0))
		return ReasonBusy, errBusy
	}
	defer res.Release()
	if ss.size <= 0 && ss.srv.opts.MaxMessageBytes > sizelessReserve {
		r = &growingReader{r: r, left: sizelessReserve, grow: func() error { return ss.grow(res) }}
	}
	raw, err := readMessage(r, ss.size, ss.srv.opts.MaxMessageBytes)
	res.Shrink(int64(cap(raw)))
	if errors.Is(err, errOutgrewReserve) {
		ss.log.Warn("message deferred: too much mail being read at once", "read", len(raw), "waited", max(ss.srv.opts.BudgetWait, 0))
		return ReasonBusy, errBusy
	}
	if err != nil {
		if errors.Is(err, gosmtp.ErrDataTooLarge) {
			return ReasonTooLarge, gosmtp.ErrDataTooLarge
		}
		if errors.Is(err, gosmtp.ErrTooLongLine) {
			// Permanent: the same message would fail the same way.
			ss.log.Info("message refused: line too long", "limit", ss.srv.opts.MaxLineLength)
			return ReasonLineTooLong, &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0},
				Message: fmt.Sprintf("Message has a line longer than %d bytes; wrap or encode it", ss.srv.opts.MaxLineLength)}
		}
		return ReasonReadError, &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 4, 2}, Message: "error reading the message, try again"}
	}
	ended := time.Now() // the end of DATA, for OnCommit
	defer func() {
		// A bug in parsing or the rules must cost a retry, not the mail.
		if p := recover(); p != nil {
			ss.log.Error("panic while receiving", "panic", p)
			reason, err = ReasonTemporary, errTemporary
		}
	}()
	e, err := mail.ParseWith(raw, ss.env, ss.srv.opts.ParseOptions)
	if err != nil {
		if le := (*mail.LimitError)(nil); errors.As(err, &le) {
			ss.log.Info("message refused", "reason", core.ErrorMessage(err), "limit", le.Key)
			return ReasonMIMELimit, &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: core.ErrorMessage(err)}
		}
		if core.ErrorCode(err) == core.EINVALID {
			ss.log.Info("message refused", "reason", core.ErrorMessage(err))
			return ReasonInvalid, &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: core.ErrorMessage(err)}
		}
		ss.log.Error("parse failed", "err", err)
		return ReasonTemporary, errTemporary
	}
	ctx, cancel := context.WithTimeout(ss.srv.base, ss.srv.opts.ReceiveTimeout)
	defer cancel()
	e.Channel, e.Auth = "smtp", ss.authenticate(ctx, raw, e)
	rc, err := ss.srv.recv.Receive(ctx, e)
	if err != nil {
		switch core.ErrorCode(err) {
		case core.EREJECTED:
			// docs/rules.md §1: the department rejects unknown senders.
			ss.log.Info("message rejected", "message_id", e.MessageID, "reason", core.ErrorMessage(err))
			return ReasonRejected, &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: core.ErrorMessage(err)}
		case core.EINVALID, core.EFORBIDDEN:
			ss.log.Info("message refused", "message_id", e.MessageID, "reason", core.ErrorMessage(err))
			return ReasonRefused, &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: core.ErrorMessage(err)}
		}
		// Storage trouble or a bug: the client keeps the mail and
		// retries; the details stay in our log.
		ss.log.Error("receive failed", "message_id", e.MessageID, "err", err)
		return ReasonTemporary, errTemporary
	}
	if ss.srv.opts.OnCommit != nil {
		ss.srv.opts.OnCommit(time.Since(ended))
	}
	ss.log.Info("message received", "message_id", e.MessageID, "outcome", rc.Outcome, "ticket", rc.Ticket,
		"sender", e.Auth.String())
	return ReasonAccepted, nil
}

var errDisabled = &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 3, 2},
	Message: "not accepting mail at the moment, try again later"}

var errAuthRequired = &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0},
	Message: "Authentication required"}

var errEncryptionRequired = &gosmtp.SMTPError{Code: 538, EnhancedCode: gosmtp.EnhancedCode{5, 7, 11},
	Message: "Encryption required for authentication, use STARTTLS"}

var errTooManyAuthFailsFromIP = &gosmtp.SMTPError{Code: 454, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0},
	Message: "Too many failed authentication attempts from your address, try again later"}

var errTooManyAuthFails = &gosmtp.SMTPError{Code: 454, EnhancedCode: gosmtp.EnhancedCode{4, 7, 0},
	Message: "Too many failed authentication attempts on this connection"}

// reserve takes the message's share of the parse budget: its declared
// size, else sizelessReserve, waiting at most BudgetWait.
func (ss *session) reserve() (*mail.Reservation, error) {
	n := ss.srv.opts.MaxMessageBytes
	if ss.size > 0 && ss.size < n {
		n = ss.size
	} else if ss.size <= 0 {
		n = min(n, sizelessReserve)
	}
	ctx, cancel := context.WithTimeout(ss.srv.base, max(ss.srv.opts.BudgetWait, 0))
	defer cancel()
	return ss.srv.opts.ParseBudget.Acquire(ctx, n)
}

// sizelessReserve is what a message without SIZE reserves of the parse
// budget before its body is read. One that outgrows it reserves the
// largest size then, waiting its turn at most BudgetWait while it keeps
// what it has. Reserving the largest size at once, as for a client that
// declares it, made each small mail of such a client take 25 MiB of a
// 64 MiB budget, so that two were read at a time.
const sizelessReserve = 1 << 20

// grow takes the largest size of the parse budget for a message without
// SIZE that outgrew sizelessReserve.
func (ss *session) grow(res *mail.Reservation) error {
	ctx, cancel := context.WithTimeout(ss.srv.base, max(ss.srv.opts.BudgetWait, 0))
	defer cancel()
	if err := res.Grow(ctx, ss.srv.opts.MaxMessageBytes); err != nil {
		return fmt.Errorf("%w: %w", errOutgrewReserve, err)
	}
	return nil
}

var errOutgrewReserve = errors.New("message outgrew its share of the parse budget")

// growingReader calls grow once, before the first byte past left.
type growingReader struct {
	r    io.Reader
	left int64
	grow func() error // nil once called
}

func (g *growingReader) Read(p []byte) (int, error) {
	if g.left <= 0 && g.grow != nil {
		grow := g.grow
		g.grow = nil
		if err := grow(); err != nil {
			return 0, err
		}
		g.left = math.MaxInt64
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.r.Read(p)
	g.left -= int64(n)
	return n, err
}

var errBusy = &gosmtp.SMTPError{Code: 452, EnhancedCode: gosmtp.EnhancedCode{4, 3, 1},
	Message: "Too much mail is being received at the moment, try again later"}

var errTemporary = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0},
	Message: "temporarily unable to store the message, try again later"}

func (ss *session) Reset() {
	ss.env, ss.size = core.Envelope{}, 0
}

// readMessage reads a message into one slice, which is stored as it is
// (core.Email.Raw). With the client's SIZE (RFC 1870, sent by the usual
// MTAs) the slice is allocated once at about that size. Without it the
// message is read in chunks and copied once into a slice of its size:
// growing one slice by doubling allocates several times the message
// over its way, and for twenty large mails at once that garbage was
// most of the peak memory.
func readMessage(r io.Reader, size, limit int64) ([]byte, error) {
	n := 64 << 10
	if size > 0 && size <= limit {
		// A little over: a client may count line ends differently.
		n = int(size + size/64 + 512)
	}
	var chunks [][]byte
	total := 0
	b := make([]byte, 0, n)
	for {
		if len(b) == cap(b) {
			chunks = append(chunks, b)
			b = make([]byte, 0, min(2*cap(b), maxReadChunk))
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		total += m
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return joinChunks(chunks, b, total), err
		}
	}
}

// maxReadChunk bounds the chunks readMessage reads a message without
// SIZE into.
const maxReadChunk = 4 << 20

// joinChunks returns the chunks and last as one slice of total bytes.
func joinChunks(chunks [][]byte, last []byte, total int) []byte {
	if len(chunks) == 0 {
		return last
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, last...)
}

func (ss *session) Logout() error { return nil }

// errorLog adapts slog to go-smtp's Logger.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Printf(format string, v ...any) {
	l.log.Warn("smtp server", "err", fmt.Sprintf(format, v...))
}

func (l errorLog) Println(v ...any) {
	l.log.Warn("smtp server", "err", fmt.Sprint(v...))
}
