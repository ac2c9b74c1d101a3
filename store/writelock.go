package store

import "sync"

// writeLock queues this process's write transactions, with a lane for
// urgent ones: a waiting urgent transaction goes before every waiting
// ordinary one. The outbox's "this row was sent" is urgent, because the
// time between a relay's 250 and that commit is the time in which a crash
// makes the row go out twice; it should not wait behind a queue of group
// commits of incoming mail.
type writeLock struct {
	mu     sync.Mutex
	free   *sync.Cond
	held   bool
	urgent int // urgent transactions waiting
	queued int // all transactions waiting
}

func (l *writeLock) lock(urgent bool) {
	l.mu.Lock()
	if l.free == nil {
		l.free = sync.NewCond(&l.mu)
	}
	if urgent {
		l.urgent++
	}
	l.queued++
	for l.held || !urgent && l.urgent > 0 {
		l.free.Wait()
	}
	l.queued--
	if urgent {
		l.urgent--
	}
	l.held = true
	l.mu.Unlock()
}

func (l *writeLock) unlock() {
	l.mu.Lock()
	l.held = false
	l.mu.Unlock()
	l.free.Broadcast()
}

// waiting returns how many transactions wait for the lock.
func (l *writeLock) waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queued
}
