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
	// wake is signalled by the server's unsolicited EXISTS and EXPUNGE,
	// and by an untagged NO or BAD during IDLE (watch); it ends IDLE.
	wake  chan struct{}
	watch *idleWatch
	// syncs counts the syncs of this session.
	syncs int
	// idling is set while IDLE holds the connection; no other command
	// may be sent then, not even LOGOUT.
	idling bool
}

// connect dials, logs in and selects the mailbox.
func (p *Poller) connect(ctx context.Context, log *slog.Logger) (*session, error) {
	s := &session{p: p, log: log, wake: make(chan struct{}, 1)}
	s.watch = newIdleWatch(s.notify)
	// The handler runs on imapclient's reader goroutine: it must not block.
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				s.notify()
			}
		},
		Expunge: func(uint32) { s.notify() },
	}
	c, w, err := open(ctx, &p.opts, handler, s.watch)
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

// checkMailbox selects the mailbox again, before a sync, and ends the
// session unless it is still the mailbox this session selected: a
// different UIDVALIDITY means it was deleted and re-created (or
// restored) under the session, and the UIDs this session would search
// and fetch are not the ones its cursor counts. The reconnect selects
// afresh, and its sync rescans.
//
// SELECT rather than STATUS: STATUS of the selected mailbox may answer
// from the session's view of it (RFC 3501 discourages it), and Dovecot
// does: to a session whose mailbox was re-created it goes on reporting
// the old UIDVALIDITY and the old messages, while SELECT opens the
// mailbox by name. NOOP does not help either: Dovecot answers it with an
// untagged NO, which imapclient drops. SELECT costs one round trip per
// sync, not per message, and the server reads no message to answer it.
func (s *session) checkMailbox() error {
	var sel *imap.SelectData
	err := s.do(func() (err error) {
		sel, err = selectMailbox(s.c, s.p.opts.Mailbox, false)
		return err
	})
	if err != nil {
		return err
	}
	if sel.UIDValidity != s.sel.UIDValidity {
		return fmt.Errorf("mailbox %s was re-created during the session: UIDVALIDITY %d, now %d",
			s.p.opts.Mailbox, s.sel.UIDValidity, sel.UIDValidity)
	}
	s.sel = sel
	return nil
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

// idle waits in IDLE until the server reports new or expunged mail or a
// problem (an untagged NO or BAD), ctx is done, or the resync interval
// passed, and then stops IDLE. The sync that follows checks that the
// mailbox is still the one selected.
func (s *session) idle(ctx context.Context) error {
	s.p.update(func(st *State) { st.State = StateIdle })
	s.w.arm(s.p.opts.CommandTimeout)
	cmd, err := s.c.Idle()
	if err != nil {
		s.w.disarm()
		return fmt.Errorf("idle: %w", err)
	}
	s.idling = true
	s.watch.arm()
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

	s.watch.disarm()
	if notice := s.watch.take(); notice != "" {
		s.log.Info("imap server reported a problem during IDLE, checking the mailbox", "response", notice)
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
