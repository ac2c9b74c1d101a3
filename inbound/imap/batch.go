package imap

import (
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"helpdesk/core"
	"helpdesk/inbound/mail"
)

// meta is what the first FETCH of a batch says about a message.
type meta struct {
	uid       imap.UID
	size      int64
	messageID string // from ENVELOPE; "" when absent
	seen      bool   // \Seen already (a human read it): no STORE needed
}

// batch receives the messages of uids (ascending) in order, acknowledges
// the ones done, and returns the highest UID up to which every message is
// committed, quarantined or gone; 0 when none is. It stops at the first
// message that fails for a reason that may pass (temporary): that message
// is not acknowledged, and the returned UID stays below it.
func (s *session) batch(ctx context.Context, uids []imap.UID) (done imap.UID, err error) {
	metas, err := s.fetchMeta(uids)
	if err != nil {
		return 0, err
	}
	var a acks
	var bodies map[imap.UID][]byte
	var pending []item // fetched, waiting to be received in order
	// held is the share of the parse budget of the bodies in memory.
	var held *mail.Reservation
	defer func() { held.Release() }()
	// flush receives the pending messages, in UID order, and stops at the
	// first that fails for a reason that may pass.
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		results, ferr := s.receiveAll(ctx, pending)
		for _, r := range results {
			a.add(r.m, r.quarantined)
			done = r.m.uid
		}
		clear(pending) // the bodies go with them
		pending = pending[:0]
		return ferr
	}
	for i, uid := range uids {
		if err = ctx.Err(); err != nil {
			break
		}
		m, ok := metas[uid]
		if !ok {
			// Expunged since the search: nothing left to receive, once
			// everything before it is.
			if err = flush(); err != nil {
				break
			}
			done = uid
			continue
		}
		var raw []byte
		if m.size <= s.p.opts.MaxMessageBytes {
			if _, ok := bodies[uid]; !ok {
				// A new body chunk: receive what the last one brought
				// first, so memory holds one chunk.
				if err = flush(); err != nil {
					break
				}
				bodies = nil
				held.Release()
				chunk := s.chunk(uids[i:], metas)
				if held, err = s.p.opts.ParseBudget.Acquire(ctx, chunkBytes(chunk, metas)); err != nil {
					break
				}
				if bodies, err = s.fetchBodies(chunk); err != nil {
					break
				}
			}
			if raw, ok = bodies[uid]; !ok {
				err = fmt.Errorf("fetch uid %d: the server returned no body", uid)
				break
			}
		}
		pending = append(pending, item{m: m, raw: raw})
	}
	if err == nil {
		err = flush()
	} else if ferr := flush(); ferr != nil {
		s.log.Warn("receive after failed batch", "err", ferr)
	}
	// Acknowledge what is committed even when the batch stopped early; if
	// that fails, the cursor stays and those messages come back as
	// duplicates.
	if aerr := s.acknowledge(a); aerr != nil {
		if err == nil {
			err = aerr
		} else {
			s.log.Warn("acknowledge after failed batch", "err", aerr)
		}
		return 0, err
	}
	return done, err
}

// chunk returns the UIDs, from the first of uids on, whose bodies one
// FETCH brings: the small messages that follow until bodyChunkBytes, so a
// batch of large mail is not held in memory at once.
func (s *session) chunk(uids []imap.UID, metas map[imap.UID]meta) []imap.UID {
	var out []imap.UID
	var total int64
	for _, uid := range uids {
		m, ok := metas[uid]
		if !ok || m.size > s.p.opts.MaxMessageBytes {
			continue
		}
		if len(out) > 0 && total+m.size > bodyChunkBytes {
			break
		}
		out = append(out, uid)
		total += m.size
	}
	return out
}

// chunkBytes is the size of the bodies of chunk, as the server gave it.
func chunkBytes(chunk []imap.UID, metas map[imap.UID]meta) int64 {
	var n int64
	for _, uid := range chunk {
		n += metas[uid].size
	}
	return n
}

// fetchMeta asks for the UID, size and envelope of a batch; no body, so
// nothing is marked \Seen and mail too large is never downloaded.
func (s *session) fetchMeta(uids []imap.UID) (map[imap.UID]meta, error) {
	set := imap.UIDSetNum(uids...)
	var msgs []*imapclient.FetchMessageBuffer
	err := s.do(func() (err error) {
		msgs, err = s.c.Fetch(set, &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, Envelope: true}).Collect()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch uids %s: %w", set, err)
	}
	metas := make(map[imap.UID]meta, len(msgs))
	for _, m := range msgs {
		if m.UID == 0 {
			continue
		}
		mt := meta{uid: m.UID, size: m.RFC822Size, seen: slices.Contains(m.Flags, imap.FlagSeen)}
		if m.Envelope != nil {
			mt.messageID = m.Envelope.MessageID
		}
		metas[m.UID] = mt
	}
	return metas, nil
}

// peek is BODY.PEEK[]: the whole message, leaving \Seen alone. A plain
// BODY[] would mark the mail read before it is stored.
var peek = &imap.FetchItemBodySection{Peek: true}

func (s *session) fetchBodies(uids []imap.UID) (map[imap.UID][]byte, error) {
	set := imap.UIDSetNum(uids...)
	var msgs []*imapclient.FetchMessageBuffer
	err := s.do(func() (err error) {
		msgs, err = s.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{peek}}).Collect()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fetch bodies of uids %s: %w", set, err)
	}
	bodies := make(map[imap.UID][]byte, len(msgs))
	for _, m := range msgs {
		if m.UID == 0 {
			continue
		}
		b := m.FindBodySection(peek)
		if b == nil {
			b = []byte{} // NIL or empty: Parse refuses it, and it is quarantined
		}
		bodies[m.UID] = b
	}
	return bodies, nil
}

func (s *session) quarantine(ctx context.Context, m meta, raw []byte, messageID, reason string) error {
	q := &core.Quarantined{
		Channel:   "imap:" + s.p.opts.Name,
		Ref:       fmt.Sprintf("%s UID %d (UIDVALIDITY %d)", s.p.opts.Mailbox, m.uid, s.sel.UIDValidity),
		MessageID: messageID,
		Reason:    reason,
		Size:      int(m.size),
		Raw:       raw,
	}
	if raw != nil {
		q.Size = len(raw)
	}
	if err := s.p.st.Quarantine(ctx, q); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	s.p.update(func(st *State) { st.Quarantined++ })
	s.log.Warn("mail quarantined", "uid", m.uid, "message_id", messageID, "reason", reason, "quarantine_id", q.ID)
	return nil
}
