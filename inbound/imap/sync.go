package imap

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/emersion/go-imap/v2"
)

// sync receives every message above the cursor, batch by batch, and moves
// the cursor behind them.
//
// Three cases, by the stored cursor:
//   - none (first sync): only the unseen mail up to UIDNEXT-1 as of SELECT;
//     the cursor then jumps to UIDNEXT-1, so the read history is skipped.
//     The cursor is written only when the whole first sync succeeded: a
//     half-done one is redone (the mail it committed is \Seen by then or
//     comes back as a duplicate), instead of resuming from a UID and
//     importing the read mail above it.
//   - another UIDVALIDITY (or a UIDNEXT at or below the cursor): the
//     cursor restarts at 0 and every message is received again; core
//     answers "duplicate" for the known ones.
//   - the same UIDVALIDITY: every UID above the cursor, \Seen or not.
//
// Every sync but the session's first (which follows its SELECT) first
// checks that the mailbox is still the one selected (checkMailbox).
func (s *session) sync(ctx context.Context) error {
	drain(s.wake) // the search below sees everything reported until now
	if s.syncs > 0 {
		if err := s.checkMailbox(); err != nil {
			return err
		}
	}
	p := s.p
	stored, last, err := p.st.IMAPCursor(ctx, p.opts.Name)
	if err != nil {
		return fmt.Errorf("read cursor: %w", err)
	}
	uv := s.sel.UIDValidity
	first := stored == 0
	var rescan string
	switch {
	case first:
	case stored != uv:
		rescan = "UIDVALIDITY changed, rescanning the whole mailbox"
	case s.syncs == 0 && s.sel.UIDNext > 0 && uint32(s.sel.UIDNext) <= last:
		// UIDNEXT never goes down, so at SELECT it is above every UID
		// ever received. If not, UIDs were reused without a new
		// UIDVALIDITY (a broken server or restore): new mail would get
		// UIDs at or below the cursor and be skipped for good. (Later in
		// the session the cursor passes the UIDNEXT seen at SELECT.)
		rescan = "UIDNEXT is not above the cursor, rescanning the whole mailbox"
	}
	s.syncs++
	if rescan != "" {
		s.log.Warn(rescan, "old_uidvalidity", stored, "uidvalidity", uv, "cursor_uid", last, "uidnext", s.sel.UIDNext)
		if err := p.setCursor(ctx, uv, 0); err != nil {
			return fmt.Errorf("reset cursor for UIDVALIDITY %d: %w", uv, err)
		}
		last = 0
	}
	p.update(func(st *State) { st.UIDValidity, st.LastUID = uv, last })

	var uids []imap.UID
	var ceiling imap.UID
	switch {
	case first:
		if ceiling, err = s.ceiling(); err != nil {
			return err
		}
		if ceiling > 0 {
			uids, err = s.search(&imap.SearchCriteria{
				UID:     []imap.UIDSet{{{Start: 1, Stop: ceiling}}},
				NotFlag: []imap.Flag{imap.FlagSeen},
			})
		}
		s.log.Info("first sync: taking the unseen mail only", "unseen", len(uids), "skipped_up_to_uid", ceiling)
	case last < math.MaxUint32:
		// "UID n:*" also matches the last message when its UID is below
		// n ("*" is the largest UID in use, RFC 3501 §9): the UIDs are
		// filtered again below.
		uids, err = s.search(&imap.SearchCriteria{UID: []imap.UIDSet{{{Start: imap.UID(last + 1)}}}})
	}
	if err != nil {
		return err
	}
	uids = above(uids, imap.UID(last))
	if first {
		uids = slices.DeleteFunc(uids, func(u imap.UID) bool { return u > ceiling })
	}

	p.update(func(st *State) { st.Lag = len(uids) })
	for len(uids) > 0 {
		n := min(len(uids), p.opts.BatchSize)
		done, err := s.batch(ctx, uids[:n])
		if !first && done > imap.UID(last) {
			if cerr := p.setCursor(ctx, uv, uint32(done)); cerr != nil {
				return fmt.Errorf("write cursor UID %d: %w", done, cerr)
			}
			last = uint32(done)
			p.update(func(st *State) { st.LastUID = last })
		}
		lag := len(uids) - n + len(above(uids[:n], done)) // what this batch left, and the rest
		p.update(func(st *State) { st.Lag = lag })
		if err != nil {
			return err
		}
		uids = uids[n:]
	}
	if first {
		if err := p.setCursor(ctx, uv, uint32(ceiling)); err != nil {
			return fmt.Errorf("write cursor UID %d: %w", ceiling, err)
		}
		p.update(func(st *State) { st.LastUID = uint32(ceiling) })
	}
	return nil
}

// setCursor records the cursor even when ctx is done: the mail behind it
// is committed and acknowledged, and a shutdown should not make the next
// start receive it again.
func (p *Poller) setCursor(ctx context.Context, uidValidity, lastUID uint32) error {
	ctx, cancel := p.detached(ctx)
	defer cancel()
	return p.st.SetIMAPCursor(ctx, p.opts.Name, uidValidity, lastUID)
}

// detached is ctx without its cancellation, bounded by ReceiveTimeout: for
// store writes that must not be cut short half-way through a message.
func (p *Poller) detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), p.opts.ReceiveTimeout)
}

// ceiling is the highest UID at SELECT time: UIDNEXT-1, or the highest
// UID present when the server sent no UIDNEXT. It is taken before the
// first search, so mail arriving later stays above the cursor.
func (s *session) ceiling() (imap.UID, error) {
	if s.sel.UIDNext > 0 {
		return s.sel.UIDNext - 1, nil
	}
	all, err := s.search(&imap.SearchCriteria{})
	if err != nil || len(all) == 0 {
		return 0, err
	}
	return slices.Max(all), nil
}

func (s *session) search(crit *imap.SearchCriteria) ([]imap.UID, error) {
	var data *imap.SearchData
	err := s.do(func() (err error) {
		data, err = s.c.UIDSearch(crit, nil).Wait()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search mailbox %s: %w", s.p.opts.Mailbox, err)
	}
	return data.AllUIDs(), nil
}

// above returns the UIDs greater than last, ascending.
func above(uids []imap.UID, last imap.UID) []imap.UID {
	uids = slices.DeleteFunc(slices.Clone(uids), func(u imap.UID) bool { return u <= last })
	slices.Sort(uids)
	return slices.Compact(uids)
}

func drain(c chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
