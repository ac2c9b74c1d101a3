package imap

import (
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// acks are the messages of a batch that are done: committed by core, or
// quarantined. Only such messages are ever acknowledged.
type acks struct {
	committed, quarantined []meta
}

func (a *acks) add(m meta, quarantined bool) {
	if quarantined {
		a.quarantined = append(a.quarantined, m)
	} else {
		a.committed = append(a.committed, m)
	}
}

// acknowledge tells the server the messages are done: committed mail is
// moved to ProcessedMailbox or marked \Seen, quarantined mail is moved to
// FailedMailbox or marked \Seen. The \Seen flags of a batch go in one
// STORE.
//
// MOVE is used when the server has it. Without it imapclient falls back
// to UID COPY, STORE \Deleted and UID EXPUNGE (UIDPLUS), which removes
// only our UIDs; without UIDPLUS the fallback is a plain EXPUNGE, which
// also removes every other message flagged \Deleted in the mailbox (by a
// human or another client). A failure half-way leaves a copy in both
// mailboxes: the cursor is already past it, so it is not received again.
func (s *session) acknowledge(a acks) error {
	o := s.p.opts
	var seen imap.UIDSet
	for _, g := range []struct {
		ms []meta
		to string
	}{{a.committed, o.ProcessedMailbox}, {a.quarantined, o.FailedMailbox}} {
		if len(g.ms) == 0 {
			continue
		}
		if g.to == "" {
			for _, m := range g.ms {
				if !m.seen {
					seen.AddNum(m.uid)
				}
			}
			continue
		}
		var set imap.UIDSet
		for _, m := range g.ms {
			set.AddNum(m.uid)
		}
		err := s.do(func() error {
			_, err := s.c.Move(set, g.to).Wait()
			return err
		})
		if missingMailbox(err) {
			return fmt.Errorf("move uids %s: mailbox %s does not exist: %w", set, g.to, err)
		}
		if err != nil {
			return fmt.Errorf("move uids %s to %s: %w", set, g.to, err)
		}
	}
	if len(seen) == 0 {
		return nil
	}
	err := s.do(func() error {
		return s.c.Store(seen, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	})
	if err != nil {
		return fmt.Errorf("mark uids %s seen: %w", seen, err)
	}
	return nil
}
