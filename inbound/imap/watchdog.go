package imap

import (
	"context"
	"sync"
	"time"
)

// watchdog closes the connection when the server does not answer a
// command in time, or when the grace period after ctx's end is over.
// imapclient's commands take no context; closing the connection is the
// one way to unblock them.
type watchdog struct {
	mu       sync.Mutex
	timer    *time.Timer
	deadline time.Time // the end of the grace period, once ctx is done
	stopped  bool
	stopCtx  func() bool
}

// newWatchdog returns a disarmed watchdog for the connection closed by
// closeConn. Once ctx is done it fires after grace at the latest.
func newWatchdog(ctx context.Context, grace time.Duration, closeConn func()) *watchdog {
	w := &watchdog{timer: time.AfterFunc(time.Hour, closeConn)}
	w.timer.Stop()
	w.stopCtx = context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.stopped {
			w.deadline = time.Now().Add(grace)
			w.timer.Reset(grace)
		}
	})
	return w
}

// arm lets the connection live for d more (less during the grace period).
func (w *watchdog) arm(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	if !w.deadline.IsZero() {
		d = min(d, time.Until(w.deadline))
	}
	w.timer.Reset(d)
}

// disarm lets an idle connection live on; during the grace period the
// deadline stays.
func (w *watchdog) disarm() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deadline.IsZero() {
		w.timer.Stop()
	}
}

// stop ends the watchdog for good.
func (w *watchdog) stop() {
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	w.mu.Unlock()
	w.stopCtx()
}
