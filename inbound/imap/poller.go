package imap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/mail"
	"helpdesk/internal/retry"
)

// Receiver is what the poller needs from core.
type Receiver interface {
	// Receive stores one mail in one transaction. A nil error means it is
	// committed; an error with code EINVALID or EFORBIDDEN means it can
	// never be accepted; any other error is temporary.
	Receive(ctx context.Context, e *core.Email) (*core.Receipt, error)
	// ReceiveAll receives mails in order, each as Receive would, and
	// returns each one's receipt and error: a batch in hand costs one
	// commit (core.Service.ReceiveAll). It may stop after a mail that
	// failed for a reason that may pass; the slices then end with it.
	ReceiveAll(ctx context.Context, mails []*core.Email) ([]*core.Receipt, []error)
}

// Store keeps the cursor and the quarantine (package store implements it).
type Store interface {
	// IMAPCursor returns zeros for a mailbox that was never polled.
	IMAPCursor(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, err error)
	SetIMAPCursor(ctx context.Context, mailbox string, uidValidity, lastUID uint32) error
	Quarantine(ctx context.Context, q *core.Quarantined) error
}

// TLS modes of Options.TLS.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
)

// Authentication methods of Options.Auth.
const (
	AuthLogin = "login"
	AuthPlain = "plain"
)

// Options configure a Poller. Zero values are documented per field.
type Options struct {
	// Name of the [[imap]] entry: the cursor key, and the label in logs
	// and State. Quarantined mail gets the channel "imap:"+Name.
	Name string
	// Address is host:port.
	Address string
	// TLS is TLSNone, TLSStartTLS or TLSImplicit; "" means TLSNone.
	TLS string
	// CAFile is a PEM file of extra trusted certificates (a private CA);
	// "" means the system roots only.
	CAFile string
	// ServerName checked in the server's certificate; "" means the host
	// of Address.
	ServerName string
	// Username and Password log in. The password is never logged.
	Username, Password string
	// Auth is AuthLogin (LOGIN) or AuthPlain (AUTHENTICATE PLAIN);
	// "" means AuthLogin.
	Auth string
	// Mailbox to poll; "" means "INBOX".
	Mailbox string
	// PollInterval between syncs when IDLE is off or not offered by the
	// server; 0 means 30 s.
	PollInterval time.Duration
	// IDLE waits for new mail with IDLE when the server offers it.
	IDLE bool
	// ProcessedMailbox, when set, receives processed mail (moved);
	// otherwise processed mail is marked \Seen and stays.
	ProcessedMailbox string
	// FailedMailbox, when set, receives quarantined mail (moved);
	// otherwise quarantined mail is marked \Seen and stays.
	FailedMailbox string
	// BatchSize is the number of UIDs per FETCH; 0 means 100.
	BatchSize int
	// MaxMessageBytes: larger mail is quarantined without fetching its
	// body; 0 means 25 MiB.
	MaxMessageBytes int64
	// ParseOptions bound what is read of a mail; mail over a MIME limit
	// is quarantined with the limit as its reason. The zero value means
	// mail's defaults.
	ParseOptions mail.ParseOptions
	// ParseBudget, when set, is the memory shared with the other
	// channels for mail being read and parsed: each FETCH of bodies
	// first reserves their RFC822.SIZE and waits its turn. nil reserves
	// nothing.
	ParseBudget *mail.Budget
	// TrustedAuthservID is the authserv-id of the MTA that delivered to
	// the mailbox; its Authentication-Results field says who sent each
	// mail (docs/rules.md §6). Without one, or when a mail carries none,
	// the sender counts as not authenticated.
	TrustedAuthservID string

	// BackoffBase is the first reconnect delay, doubled per failure up to
	// BackoffMax; 0 means 1 s and 5 min.
	BackoffBase, BackoffMax time.Duration
	// CommandTimeout: a command the server has not answered within it
	// counts as a lost connection; 0 means 5 min.
	CommandTimeout time.Duration
	// ReceiveTimeout bounds core's transaction for one message; 0 means
	// 30 s. It runs on even when Run's ctx ends, so that a shutdown does
	// not cut a commit short.
	ReceiveTimeout time.Duration
	// LogoutTimeout bounds the polite goodbye (IDLE DONE, LOGOUT) after
	// Run's ctx ends; 0 means 5 s.
	LogoutTimeout time.Duration

	// resync overrides resyncInterval in tests.
	resync time.Duration

	// Now is the clock for State; nil means time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for jitter; nil means math/rand.
	Rand func() float64
	// OnCommit, when set, is told for each mail core committed how long
	// it took from the end of its fetch to the commit. It must not block.
	// nil tells nothing.
	OnCommit func(time.Duration)
	// Logger; nil means slog.Default() with component=imap.
	Logger *slog.Logger
}

// resyncInterval is the safety net for IDLE: a sync at least this often
// even when the server reports nothing (some servers drop IDLE silently).
// imapclient itself re-issues IDLE every 28 minutes.
const resyncInterval = 25 * time.Minute

// bodyChunkBytes bounds the bodies fetched by one FETCH, so a batch of
// large mail is not held in memory all at once.
const bodyChunkBytes = 32 << 20

func (o *Options) fill() {
	if o.TLS == "" {
		o.TLS = TLSNone
	}
	if o.Auth == "" {
		o.Auth = AuthLogin
	}
	if o.Mailbox == "" {
		o.Mailbox = "INBOX"
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 30 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 25 << 20
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 5 * time.Minute
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 5 * time.Minute
	}
	if o.ReceiveTimeout <= 0 {
		o.ReceiveTimeout = 30 * time.Second
	}
	if o.LogoutTimeout <= 0 {
		o.LogoutTimeout = 5 * time.Second
	}
	if o.resync <= 0 {
		o.resync = resyncInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
}

// Poller polls one mailbox. Create it with New and start it with Run.
type Poller struct {
	recv Receiver
	st   Store
	opts Options
	log  *slog.Logger

	mu    sync.Mutex
	state State

	conns atomic.Int64 // session ids for the log
}

// New returns a Poller that delivers the mail of opts.Mailbox to recv.
func New(recv Receiver, st Store, opts Options) *Poller {
	opts.fill()
	p := &Poller{recv: recv, st: st, opts: opts, log: opts.Logger}
	if p.log == nil {
		p.log = slog.Default().With("component", "imap")
	}
	p.log = p.log.With("imap", opts.Name, "mailbox", opts.Mailbox)
	p.state = State{Name: opts.Name, State: StateStopped}
	return p
}

// Run connects, syncs and waits for new mail until ctx is done, and then
// returns nil. Every failure ends the connection; Run reconnects after a
// back-off and records the error in State.
func (p *Poller) Run(ctx context.Context) error {
	defer p.update(func(s *State) { s.State, s.Connected, s.NextAttempt = StateStopped, false, time.Time{} })
	failures := 0
	for ctx.Err() == nil {
		synced, err := p.session(ctx)
		if synced {
			failures = 0
		}
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			// A session only ends without error when ctx is done.
			err = errors.New("session ended")
		}
		delay := retry.Backoff(p.opts.BackoffBase, p.opts.BackoffMax, failures, p.opts.Rand())
		failures++
		now := p.opts.Now()
		p.update(func(s *State) {
			s.State, s.Connected = StateBackingOff, false
			s.LastError, s.LastErrorAt, s.NextAttempt = err.Error(), now, now.Add(delay)
		})
		p.log.Warn("imap session failed", "err", err, "retry_in", delay.Round(time.Millisecond))
		if !retry.Sleep(ctx, delay) {
			break
		}
	}
	return nil
}

// session runs one connection from dial to error or ctx end. synced
// reports whether at least one sync succeeded, which resets the back-off.
// A panic (a bug in parsing or the rules) ends the session like an error:
// the message is retried after the back-off, never acknowledged.
func (p *Poller) session(ctx context.Context) (synced bool, err error) {
	id := p.conns.Add(1)
	log := p.log.With("conn", id)
	defer func() {
		if v := recover(); v != nil {
			log.Error("panic in imap session", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	p.update(func(s *State) { s.State, s.NextAttempt = StateConnecting, time.Time{} })
	s, err := p.connect(ctx, log)
	if err != nil {
		return false, err
	}
	defer s.close()
	p.update(func(st *State) { st.Connected = true })
	log.Info("imap connected", "uidvalidity", s.sel.UIDValidity, "messages", s.sel.NumMessages, "idle", s.canIdle())
	return s.loop(ctx)
}

// check logs an error that changes nothing (a failed Close or Logout):
// closed connections at debug, the rest at info.
func check(log *slog.Logger, err error, msg string) {
	if err == nil {
		return
	}
	if errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) {
		log.Debug(msg, "err", err)
		return
	}
	log.Info(msg, "err", err)
}
