package store

import (
	"context"
	"time"
)

// SQLite copies the WAL back into the database file (a checkpoint) in
// the connection whose commit makes the WAL pass wal_autocheckpoint
// pages: with one writer, that is the writer, and every SMTP client
// waiting on its batch waits for the copy too. The writer therefore
// checkpoints only as a backstop (writerAutocheckpoint pages); a
// goroutine of its own runs passive checkpoints on another connection
// after commits, at most one every checkpointGap. A passive checkpoint
// never waits for the writer, and the writer does not wait for it.
const (
	writerAutocheckpoint = 10000
	checkpointGap        = 20 * time.Millisecond
)

// committed tells the checkpointer that the WAL grew, and the search
// indexer that messages may wait.
func (s *DB) committed() {
	select {
	case s.walGrew <- struct{}{}:
	default:
	}
	select {
	case s.searchWaits <- struct{}{}:
	default:
	}
}

// untilClosed returns a context that ends when the database is closed,
// for the goroutines that work in its background.
func (s *DB) untilClosed() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-s.closed:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

// checkpointLoop runs until the database is closed.
func (s *DB) checkpointLoop() {
	defer close(s.checkpointDone)
	ctx, cancel := s.untilClosed()
	defer cancel()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-s.walGrew:
		case <-ctx.Done():
			return
		}
		// PASSIVE copies what no reader still needs; the next write
		// transaction after a complete copy starts the WAL afresh. It
		// never waits for a lock, so it runs to its end even when the
		// database is closing: cancelled, the driver would interrupt the
		// connection, and an interrupt that lands as the statement ends
		// stays on the connection and cuts short the checkpoint SQLite
		// runs when the last connection closes, leaving the WAL beside a
		// database file that is not whole on its own.
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			s.checkpointErrs.Add(1)
		}
		s.checkpoints.Add(1)
		t.Reset(checkpointGap)
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
