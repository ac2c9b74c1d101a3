package outbound

import (
	"context"

	"helpdesk/core"
)

// The rows a batch sent are marked sent while the batch goes on,
// markChunk to a transaction and one transaction at a time, and the rest
// when it ends. The marks take the database's one writer, which intake's
// group commits wait for: a batch of 400 rows marked at once held it for
// about 10 ms (25 µs a row), which showed in intake's slowest answers;
// and 400 rows marked in small transactions after the batch waited
// behind a group commit each, until the outbox trailed a burst of mail
// by seconds.
//
// The journal holds every row the batch sent until all are marked, and is
// cleared then. When a transaction fails, nothing more is sent or marked
// in the batch, and the next pass marks the journaled rows (marking a
// marked row again changes nothing).

// markChunk is how many sent rows one transaction marks.
const markChunk = 32

// marks are a batch's rows sent and their marking.
type marks struct {
	pending []sentRow // sent, not given to a transaction yet
	sent    []sentRow // every row sent, in the order given to transactions
	marked  int       // how many of sent are marked
	busy    bool      // a transaction is running
	done    chan markResult
	err     error // the first failed transaction's
}

// markResult is a transaction's outcome.
type markResult struct {
	rows []sentRow
	err  error
}

// startMark gives markChunk pending rows to a transaction of their own,
// unless one is running or has failed.
func (p *pass) startMark(ctx context.Context) {
	m := &p.marks
	if m.busy || m.err != nil || len(m.pending) < markChunk {
		return
	}
	rows := m.pending[:markChunk:markChunk]
	m.pending = m.pending[markChunk:]
	m.sent = append(m.sent, rows...)
	m.busy = true
	go func() { m.done <- markResult{rows: rows, err: p.w.done(ctx, rows)} }()
}

// markSettled takes a transaction's outcome.
func (p *pass) markSettled(ctx context.Context, r markResult) {
	m := &p.marks
	m.busy = false
	if r.err != nil {
		m.err = r.err
		return
	}
	m.marked += len(r.rows)
	p.w.marked(ctx, r.rows)
}

// finishMarks waits for the running transaction, marks the rows still
// pending markChunk to a transaction, and clears the journal; or, when a
// transaction failed, keeps the journaled rows for the next pass and
// says which rows went out unmarked.
func (p *pass) finishMarks(ctx context.Context) error {
	m := &p.marks
	if m.busy {
		p.markSettled(ctx, <-m.done)
	}
	for len(m.pending) > 0 && m.err == nil {
		rows := m.pending[:min(markChunk, len(m.pending))]
		m.pending = m.pending[len(rows):]
		m.sent = append(m.sent, rows...)
		p.markSettled(ctx, markResult{rows: rows, err: p.w.done(ctx, rows)})
	}
	m.sent = append(m.sent, m.pending...)
	w := p.w
	if m.err != nil {
		for _, r := range m.sent {
			if r.journaled {
				w.unmarked = append(w.unmarked, r.entry)
			}
		}
		rest, journaled := m.sent[m.marked:], 0
		for _, r := range rest {
			if r.journaled {
				journaled++
			}
		}
		return markError(rest, journaled, m.err)
	}
	if j := w.opts.Journal; j != nil && anyJournaled(m.sent) {
		if err := j.clear(); err != nil {
			w.log.WarnContext(ctx, "outbox journal not cleared", keyError, err)
		}
	}
	return nil
}

// anyJournaled reports whether a row of rows is in the journal.
func anyJournaled(rows []sentRow) bool {
	for _, r := range rows {
		if r.journaled {
			return true
		}
	}
	return false
}

// done marks rows sent in one transaction. The write runs even while
// shutting down, because the rows went out either way.
func (w *Worker) done(ctx context.Context, rows []sentRow) error {
	sent := make([]core.OutboxSent, len(rows))
	for i, r := range rows {
		sent[i] = r.entry.sent(r.at, r.dur)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	return w.q.DoneAll(ctx, sent)
}

// marked is what follows rows being marked sent.
func (w *Worker) marked(ctx context.Context, rows []sentRow) {
	for _, r := range rows {
		w.threads.forget(r.entry)
		if w.opts.Delivered != nil {
			w.opts.Delivered(r.item, r.at)
		}
		w.log.InfoContext(ctx, "outbox row sent", keyOutboxID, r.entry.ID, keyTicket, r.entry.Ticket, keyKind, r.entry.Kind)
	}
}
