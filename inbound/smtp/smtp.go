// Package smtp is the gateway's own SMTP server (emersion/go-smtp): it
// takes customer mail for the departments' addresses, hands each message
// to core, and answers 250 only after core's transaction has committed.
//
// It is never an open relay: a recipient that core does not accept is
// refused at RCPT with 550.
package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/core"
	"helpdesk/inbound/mail"
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
	// ReadTimeout and WriteTimeout per command; 0 means 5 minutes
	// (RFC 5321 §4.5.3.2 asks for at least that much).
	ReadTimeout, WriteTimeout time.Duration
	// ReceiveTimeout bounds core's transaction for one message; 0 means
	// 30 s. Past it the client gets 451 and retries.
	ReceiveTimeout time.Duration
	// Refuse, when set and true, makes new sessions get 421 at EHLO: the
	// channel is disabled (RULES.md §8) and clients keep their mail and
	// try again later. nil never refuses.
	Refuse func() bool
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Server is the inbound SMTP listener.
type Server struct {
	srv  *gosmtp.Server
	recv Receiver
	opts Options
	log  *slog.Logger
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
	s := &Server{recv: recv, opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.Default().With("component", "smtp")
	}
	s.base, s.cancel = context.WithCancel(context.Background())
	srv := gosmtp.NewServer(s)
	srv.Domain = opts.Hostname
	srv.MaxMessageBytes = opts.MaxMessageBytes
	srv.MaxRecipients = opts.MaxRecipients
	srv.ReadTimeout = opts.ReadTimeout
	srv.WriteTimeout = opts.WriteTimeout
	// Real mail has long lines (HTML without wrapping); the default of
	// 2000 would fail such a message and drop the connection.
	srv.MaxLineLength = 1 << 20
	srv.EnableSMTPUTF8 = true
	s.srv = srv
	return s
}

// Serve accepts connections on ln until Shutdown or Close.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if errors.Is(err, gosmtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits, until ctx is done, for
// the sessions in progress to end.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	s.cancel()
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.cancel()
	return s.srv.Close()
}

// NewSession implements gosmtp.Backend.
func (s *Server) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	if s.opts.Refuse != nil && s.opts.Refuse() {
		return nil, errDisabled
	}
	return &session{srv: s, log: s.log.With("remote", c.Conn().RemoteAddr().String())}, nil
}

type session struct {
	srv *Server
	log *slog.Logger
	env core.Envelope
}

func (ss *session) Mail(from string, _ *gosmtp.MailOptions) error {
	ss.env = core.Envelope{Sender: from, NullSender: from == ""}
	return nil
}

func (ss *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if !ss.srv.recv.AcceptsRecipient(to) {
		ss.log.Info("recipient refused", "rcpt", to)
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("<%s>: no such recipient here, and relaying is not permitted", to)}
	}
	ss.env.Recipients = append(ss.env.Recipients, to)
	return nil
}

func (ss *session) Data(r io.Reader) (err error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, gosmtp.ErrDataTooLarge) {
			return gosmtp.ErrDataTooLarge
		}
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 4, 2}, Message: "error reading the message, try again"}
	}
	defer func() {
		// A bug in parsing or the rules must cost a retry, not the mail.
		if p := recover(); p != nil {
			ss.log.Error("panic while receiving", "panic", p)
			err = errTemporary
		}
	}()
	e, err := mail.Parse(raw, ss.env)
	if err != nil {
		if core.ErrorCode(err) == core.EINVALID {
			ss.log.Info("message refused", "reason", core.ErrorMessage(err))
			return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 6, 0}, Message: core.ErrorMessage(err)}
		}
		ss.log.Error("parse failed", "err", err)
		return errTemporary
	}
	ctx, cancel := context.WithTimeout(ss.srv.base, ss.srv.opts.ReceiveTimeout)
	defer cancel()
	rc, err := ss.srv.recv.Receive(ctx, e)
	if err != nil {
		switch core.ErrorCode(err) {
		case core.EINVALID, core.EFORBIDDEN:
			ss.log.Info("message refused", "message_id", e.MessageID, "reason", core.ErrorMessage(err))
			return &gosmtp.SMTPError{Code: 554, EnhancedCode: gosmtp.EnhancedCode{5, 7, 1}, Message: core.ErrorMessage(err)}
		}
		// Storage trouble or a bug: the client keeps the mail and
		// retries; the details stay in our log.
		ss.log.Error("receive failed", "message_id", e.MessageID, "err", err)
		return errTemporary
	}
	ss.log.Info("message received", "message_id", e.MessageID, "outcome", rc.Outcome, "ticket", rc.Ticket)
	return nil
}

var errDisabled = &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 3, 2},
	Message: "not accepting mail at the moment, try again later"}

var errTemporary = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0},
	Message: "temporarily unable to store the message, try again later"}

func (ss *session) Reset() {
	ss.env = core.Envelope{}
}

func (ss *session) Logout() error { return nil }
