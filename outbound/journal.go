package outbound

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"helpdesk/core"
)

// Journal is a small file of the outbox rows that went out but may not be
// marked sent in the database yet. Marking a row sent is a transaction,
// which may have to wait for the one writer; a crash between the relay's
// 250 and that commit sent the row again after the restart (once or twice
// per thousand notifications in the crash test). Appending the row here
// takes a system call, right after the 250; at the next start the worker
// marks the rows it finds before it sends anything. What no client can
// close is a kill between the relay taking a row and the 250 being read:
// such rows go out again, at most those in flight (Options.Concurrency a
// lane), and an email keeps its Message-ID.
//
// The file is not synced: it survives the process being killed, which is
// the case it is for, not the machine losing power (the row is then sent
// again, as without it). The database's mark is synced (synchronous=FULL),
// so a power cut sends a row again only when it comes between the 250
// and that commit; syncing the journal would narrow this only by the
// commit's wait for the writer, and cost a second fsync per row sent
// (0.5-4 ms each on the machine of docs/PERFORMANCE.md, against 12-15 µs
// for the write and truncate). It holds the rows of at most one batch:
// the worker marks them a few dozen to a transaction while the batch goes
// on (marks.go), and truncates it once every one is marked.
// Each line names the row's ticket and kind too, so that a journal left
// next to a database restored from a backup does not mark some other
// row, and a ticket's card where it was posted: the ticket's Slack
// thread is recorded when the card's row is marked.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// JournalEntry is a row the journal holds.
type JournalEntry struct {
	ID, Ticket int64
	Kind       string
	// Channel and TS: where a ticket's card was posted, "" for other
	// rows. (Slack's channel IDs and timestamps hold no spaces.)
	Channel, TS string
}

func (e JournalEntry) line() string {
	if e.TS != "" {
		return fmt.Sprintf("%d %d %s %s %s\n", e.ID, e.Ticket, e.Kind, e.Channel, e.TS)
	}
	return fmt.Sprintf("%d %d %s\n", e.ID, e.Ticket, e.Kind)
}

// OpenJournal opens the journal at path, creating it, and returns the
// rows it holds from the last run.
func OpenJournal(path string) (*Journal, []JournalEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("read outbox journal: %w", err)
	}
	var rows []JournalEntry
	lines := strings.Split(string(b), "\n")
	// The last piece follows the last newline: empty, or a line cut short,
	// which is no row.
	for _, l := range lines[:len(lines)-1] {
		f := strings.Fields(l)
		if len(f) != 3 && len(f) != 5 {
			continue
		}
		id, err1 := strconv.ParseInt(f[0], 10, 64)
		ticket, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 == nil && err2 == nil && id > 0 {
			e := JournalEntry{ID: id, Ticket: ticket, Kind: f[2]}
			if len(f) == 5 {
				e.Channel, e.TS = f[3], f[4]
			}
			rows = append(rows, e)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open outbox journal: %w", err)
	}
	return &Journal{f: f, path: path}, rows, nil
}

// add records that a row went out.
func (j *Journal) add(e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.WriteString(e.line()); err != nil {
		return fmt.Errorf("outbox journal %s: %w", j.path, err)
	}
	return nil
}

// clear empties the journal once its rows are marked in the database.
func (j *Journal) clear() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("outbox journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

// sent is the row to mark, as sent at at after dur.
func (e JournalEntry) sent(at time.Time, dur time.Duration) core.OutboxSent {
	return core.OutboxSent{ID: e.ID, Ticket: e.Ticket, At: at, Duration: dur, SlackChannel: e.Channel, SlackTS: e.TS}
}
