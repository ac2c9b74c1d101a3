package imap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// session is one connection with the mailbox selected.
type session struct {
	p   *Poller
	c   *imapclient.Client
	w   *watchdog
	log *slog.Logger
	sel *imap.SelectData
	// wake is signalled by the server's unsolicited EXISTS and EXPUNGE;
	// it ends IDLE.
	wake chan struct{}
	// syncs counts the syncs of this session.
	syncs int
	// idling is set while IDLE holds the connection; no other command
	// may be sent then, not even LOGOUT.
	idling bool
}

// connect dials, logs in and selects the mailbox.
func (p *Poller) connect(ctx context.Context, log *slog.Logger) (*session, error) {
	s := &session{p: p, log: log, wake: make(chan struct{}, 1)}
	// The handler runs on imapclient's reader goroutine: it must not block.
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				s.notify()
			}
		},
		Expunge: func(uint32) { s.notify() },
	}
	c, w, err := open(ctx, &p.opts, handler)
	if err != nil {
		return nil, err
	}
	s.c, s.w = c, w
	if s.sel, err = selectMailbox(c, p.opts.Mailbox, false); err != nil {
		s.close()
		return nil, err
	}
	w.disarm()
	return s, nil
}

func (s *session) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// close logs out, bounded by LogoutTimeout, and closes the connection.
func (s *session) close() {
	if !s.idling {
		s.w.arm(s.p.opts.LogoutTimeout)
		check(s.log, s.c.Logout().Wait(), "imap logout")
	}
	check(s.log, s.c.Close(), "imap close")
	s.w.stop()
}

// do runs one command (or a few pipelined) under the watchdog.
func (s *session) do(f func() error) error {
	s.w.arm(s.p.opts.CommandTimeout)
	defer s.w.disarm()
	return f()
}

func (s *session) canIdle() bool {
	return s.p.opts.IDLE && s.c.Caps().Has(imap.CapIdle)
}

// loop syncs, waits for new mail and syncs again, until ctx is done (nil)
// or something fails.
func (s *session) loop(ctx context.Context) (synced bool, err error) {
	for ctx.Err() == nil {
		s.p.update(func(st *State) { st.State = StateSyncing })
		if err := s.sync(ctx); err != nil {
			if ctx.Err() != nil {
				return synced, nil
			}
			return synced, err
		}
		synced = true
		now := s.p.opts.Now()
		s.p.update(func(st *State) { st.LastSuccess = now })
		if s.canIdle() {
			err = s.idle(ctx)
		} else {
			err = s.poll(ctx)
		}
		if err != nil {
			return synced, err
		}
	}
	return synced, nil
}

// poll waits PollInterval, or until ctx is done or the connection drops.
func (s *session) poll(ctx context.Context) error {
	s.p.update(func(st *State) { st.State = StatePolling })
	t := time.NewTimer(s.p.opts.PollInterval)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-s.c.Closed():
		return errors.New("connection closed by the server")
	}
	return nil
}

// idle waits in IDLE until the server reports new or expunged mail, ctx
// is done, or the resync interval passed, and then stops IDLE.
func (s *session) idle(ctx context.Context) error {
	s.p.update(func(st *State) { st.State = StateIdle })
	s.w.arm(s.p.opts.CommandTimeout)
	cmd, err := s.c.Idle()
	if err != nil {
		s.w.disarm()
		return fmt.Errorf("idle: %w", err)
	}
	s.idling = true
	s.w.disarm()

	t := time.NewTimer(s.p.opts.resync)
	defer t.Stop()
	closed := false
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-t.C:
	case <-s.c.Closed():
		closed = true
	}

	s.w.arm(s.p.opts.CommandTimeout)
	defer s.w.disarm()
	err = cmd.Close()
	if werr := cmd.Wait(); err == nil {
		err = werr
	}
	s.idling = false
	if err == nil && closed {
		err = errors.New("connection closed by the server")
	}
	if err != nil {
		return fmt.Errorf("stop idle: %w", err)
	}
	return nil
}
