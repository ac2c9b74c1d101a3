package imap

import "time"

// Values of State.State.
const (
	StateConnecting = "connecting"  // dialling, logging in, selecting
	StateIdle       = "idle"        // waiting in IDLE for new mail
	StatePolling    = "polling"     // waiting for the next poll
	StateSyncing    = "syncing"     // fetching and receiving mail
	StateBackingOff = "backing_off" // waiting to reconnect after an error
	StateStopped    = "stopped"     // Run not running
)

// State is a snapshot of a Poller for /status. It holds no secrets.
type State struct {
	Name      string
	State     string
	Connected bool
	// LastSuccess is the end of the last successful sync.
	LastSuccess time.Time
	// LastError is the error that ended the last session; it stays set
	// after a later success, with LastErrorAt saying when it happened.
	LastError   string
	LastErrorAt time.Time
	// NextAttempt is when a backing-off Poller reconnects; zero otherwise.
	NextAttempt time.Time
	// Counters since New: mail committed (new, reply, auto), mail core
	// already had, mail quarantined.
	Processed, Duplicates, Quarantined int64
	// The cursor as last read or written.
	UIDValidity, LastUID uint32
	// Lag is how many messages the last search found above the cursor
	// that are not yet committed, quarantined or acknowledged: 0 once a
	// sync is through.
	Lag int
}

// State returns a snapshot of the poller's state; safe for concurrent use.
func (p *Poller) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *Poller) update(f func(*State)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.state)
}
