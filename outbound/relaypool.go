package outbound

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"
)

// Defaults of Relay's connection reuse.
const (
	// DefaultRelayMaxIdle matches the outbox worker's DefaultConcurrency:
	// one idle session for each sender of the mail lane.
	DefaultRelayMaxIdle = 8
	// DefaultRelayIdleTimeout is well under the 5 minutes RFC 5321 lets
	// a server wait for the next command, so the relay seldom hangs up
	// first.
	DefaultRelayIdleTimeout = 30 * time.Second
	// DefaultRelayMaxMessages stays within the limits relays commonly set
	// (Exim's smtp_accept_max_per_connection is 1000, some providers 100).
	DefaultRelayMaxMessages = 100
)

// quitTimeout bounds the QUIT written when a session is closed; its
// answer is not awaited.
const quitTimeout = time.Second

// relaySession is an open connection past EHLO, TLS and AUTH.
type relaySession struct {
	c    *smtp.Client
	conn net.Conn // what c writes to: the TLS connection when there is one
	raw  net.Conn // the TCP connection under it

	sent      int       // transactions begun on this connection
	idleSince time.Time // when it went back to the pool
}

// arm closes the connection when ctx ends, until the returned function
// disarms it; that function reports false when ctx ended first.
func (s *relaySession) arm(ctx context.Context) (disarm func() bool) {
	return context.AfterFunc(ctx, func() { s.raw.Close() })
}

func (s *relaySession) close() { s.c.Close() }

// quit says QUIT without waiting for the answer, and closes.
func (s *relaySession) quit() {
	s.conn.SetWriteDeadline(time.Now().Add(quitTimeout))
	_, _ = s.conn.Write([]byte("QUIT\r\n"))
	s.close()
}

// sendMail runs MAIL, RCPT and DATA; bodySent reports whether any of msg
// went out (DATA was answered 354).
func (s *relaySession) sendMail(from string, to []string, msg []byte) (bodySent bool, err error) {
	var opts *smtp.MailOptions
	if !isASCII(from) || !isASCII(to...) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := s.c.Mail(from, opts); err != nil {
		return false, err
	}
	for _, addr := range to {
		if err := s.c.Rcpt(addr, nil); err != nil {
			return false, err
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return false, err
	}
	if _, err := w.Write(msg); err != nil {
		return true, err
	}
	return true, w.Close()
}

func isASCII(ss ...string) bool {
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return false
			}
		}
	}
	return true
}

// sessionGone reports an error that says the session itself is unusable
// (the connection failed, or the relay answered 421 and hangs up) rather
// than a refusal of the message.
func sessionGone(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code == 421
	}
	return true
}

// transact sends one message over s, then hands s back to the pool or
// closes it.
func (r *Relay) transact(ctx context.Context, s *relaySession, from string, to []string, msg []byte) (bodySent bool, err error) {
	disarm := s.arm(ctx)
	s.sent++
	bodySent, err = s.sendMail(from, to, msg)
	if !disarm() {
		// ctx ended and closed the connection, perhaps mid-reply.
		s.close()
		return bodySent, err
	}
	switch {
	case err == nil:
		r.put(s)
	case !sessionGone(err):
		// A refusal leaves the transaction open on the relay's side.
		r.reset(ctx, s)
	default:
		s.close()
	}
	return bodySent, err
}

// reset sends RSET and pools s, or closes it when RSET fails.
func (r *Relay) reset(ctx context.Context, s *relaySession) {
	disarm := s.arm(ctx)
	err := s.c.Reset()
	if !disarm() || err != nil {
		s.close()
		return
	}
	r.put(s)
}

// relayPool holds a Relay's idle sessions, oldest first.
type relayPool struct {
	mu      sync.Mutex
	idle    []*relaySession
	reaper  *time.Timer // armed while sessions are idle
	closed  bool
	reaping sync.WaitGroup
}

func (r *Relay) maxIdle() int {
	if r.MaxIdle == 0 {
		return DefaultRelayMaxIdle
	}
	return r.MaxIdle
}

func (r *Relay) idleTimeout() time.Duration {
	if r.IdleTimeout <= 0 {
		return DefaultRelayIdleTimeout
	}
	return r.IdleTimeout
}

func (r *Relay) maxMessages() int {
	if r.MaxMessages <= 0 {
		return DefaultRelayMaxMessages
	}
	return r.MaxMessages
}

func (r *Relay) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// take returns the most recently used idle session, or nil.
func (r *Relay) take() *relaySession {
	p := &r.pool
	p.mu.Lock()
	stale := r.expire(r.clock())
	var s *relaySession
	if n := len(p.idle); n > 0 {
		s = p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	for _, old := range stale {
		old.quit()
	}
	return s
}

// put keeps s for the next message, or closes it when the pool is full,
// closed or off, or s carried its share of messages.
func (r *Relay) put(s *relaySession) {
	p := &r.pool
	p.mu.Lock()
	if p.closed || len(p.idle) >= r.maxIdle() || s.sent >= r.maxMessages() {
		p.mu.Unlock()
		s.quit()
		return
	}
	s.idleSince = r.clock()
	p.idle = append(p.idle, s)
	if p.reaper == nil {
		p.reaper = time.AfterFunc(r.idleTimeout(), r.reap)
	}
	p.mu.Unlock()
}

// expire removes and returns the sessions idle for IdleTimeout or longer
// at now; the caller holds the pool's lock.
func (r *Relay) expire(now time.Time) []*relaySession {
	p := &r.pool
	n := 0
	for n < len(p.idle) && now.Sub(p.idle[n].idleSince) >= r.idleTimeout() {
		n++
	}
	if n == 0 {
		return nil
	}
	stale := append([]*relaySession(nil), p.idle[:n]...)
	p.idle = append(p.idle[:0], p.idle[n:]...)
	return stale
}

// reap closes the sessions idle too long, and waits for the next one to
// be while any remain.
func (r *Relay) reap() {
	p := &r.pool
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	now := r.clock()
	stale := r.expire(now)
	p.reaper.Stop() // a no-op from the timer's own call
	p.reaper = nil
	if len(p.idle) > 0 {
		p.reaper = time.AfterFunc(p.idle[0].idleSince.Add(r.idleTimeout()).Sub(now), r.reap)
	}
	p.reaping.Add(1)
	p.mu.Unlock()
	defer p.reaping.Done()
	for _, s := range stale {
		s.quit()
	}
}

// Close closes the idle sessions with QUIT. Sends may go on after it,
// each on a connection of its own.
func (r *Relay) Close() error {
	p := &r.pool
	p.mu.Lock()
	p.closed = true
	if p.reaper != nil {
		p.reaper.Stop()
		p.reaper = nil
	}
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	p.reaping.Wait()
	for _, s := range idle {
		s.quit()
	}
	return nil
}
