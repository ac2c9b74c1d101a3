package imap

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// idleWatch spots an untagged NO or BAD from the server while the session
// is in IDLE, which imapclient reads and drops without telling anyone.
// Dovecot, for one, answers a mailbox deleted and re-created under a
// selected session with a stale view of the old mailbox and an untagged
// "NO Internal error", and reports no new mail any more: without a sync
// the poller would wait for the safety re-sync. The watch only ends IDLE;
// the sync that follows re-selects the mailbox and decides.
//
// It is the client's debug tap (imapclient.Options.DebugWriter), which
// sees the raw bytes in both directions after TLS. It looks at them only
// while armed, that is while IDLE holds the connection: the server then
// sends untagged responses only and the client sends nothing (but DONE
// when IDLE ends, after disarm), so no literal, and no message body, can
// look like a response. Outside IDLE a Write is one atomic load.
type idleWatch struct {
	armed atomic.Bool
	// onNotice is called, on imapclient's reader goroutine, at the end of
	// each such response line; it must not block.
	onNotice func()

	mu     sync.Mutex
	line   []byte // the start of the current line, up to maxNoticeBytes
	notice string // the last response spotted, for the log
}

// maxNoticeBytes bounds the part of a line the watch keeps.
const maxNoticeBytes = 200

func newIdleWatch(onNotice func()) *idleWatch {
	return &idleWatch{onNotice: onNotice}
}

// arm starts watching; the next byte starts a line.
func (w *idleWatch) arm() {
	w.mu.Lock()
	w.line = w.line[:0]
	w.mu.Unlock()
	w.armed.Store(true)
}

func (w *idleWatch) disarm() { w.armed.Store(false) }

// take returns the response spotted since the last take, or "".
func (w *idleWatch) take() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.notice
	w.notice = ""
	return n
}

// Write never fails: imapclient must not notice the watch.
func (w *idleWatch) Write(b []byte) (int, error) {
	if !w.armed.Load() {
		return len(b), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for rest := b; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		part := rest
		if i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if room := maxNoticeBytes - len(w.line); room > 0 {
			w.line = append(w.line, part[:min(room, len(part))]...)
		}
		if i >= 0 {
			w.endLine()
		}
	}
	return len(b), nil
}

// endLine checks the line just ended and starts the next one.
func (w *idleWatch) endLine() {
	line := bytes.TrimRight(w.line, "\r")
	w.line = w.line[:0]
	if isUntaggedProblem(line) {
		w.notice = string(line[2:])
		if w.onNotice != nil {
			w.onNotice()
		}
	}
}

// isUntaggedProblem reports whether line is "* NO …" or "* BAD …" (any
// case, text optional).
func isUntaggedProblem(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("* "))
	if !ok {
		return false
	}
	for _, typ := range []string{"NO", "BAD"} {
		if len(rest) >= len(typ) && bytes.EqualFold(rest[:len(typ)], []byte(typ)) &&
			(len(rest) == len(typ) || rest[len(typ)] == ' ') {
			return true
		}
	}
	return false
}
