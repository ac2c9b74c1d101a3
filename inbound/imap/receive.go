package imap

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/mail"
	"helpdesk/inbound/mailauth"
)

// item is a fetched message waiting to be received.
type item struct {
	m   meta
	raw []byte // nil when too large to fetch
}

// received is what became of an item: committed or quarantined.
type received struct {
	m           meta
	quarantined bool
}

// receiveAll parses the items and hands them to core in UID order. It
// returns the items handled, in order, up to the first that failed for a
// reason that may pass, and that failure.
func (s *session) receiveAll(ctx context.Context, items []item) ([]received, error) {
	fetched := time.Now() // the end of the fetch, for OnCommit
	// A shutdown must not cut a commit short: the transaction runs on,
	// bounded, and the loop stops before the next batch.
	rctx, cancel := s.p.detached(ctx)
	defer cancel()

	type parsed struct {
		e      *core.Email
		reason string // quarantine reason when it can never be received
	}
	ps := make([]parsed, len(items))
	var mails []*core.Email
	for i, it := range items {
		switch {
		case it.raw == nil:
			ps[i].reason = fmt.Sprintf("message is %d bytes, more than the limit of %d bytes", it.m.size, s.p.opts.MaxMessageBytes)
		default:
			// IMAP has no envelope; core uses To and Cc. A mail over a
			// MIME limit is EINVALID, and quarantined with the limit.
			e, err := mail.ParseWith(it.raw, core.Envelope{}, s.p.opts.ParseOptions)
			if err != nil && core.ErrorCode(err) == core.EINVALID {
				ps[i].reason = core.ErrorMessage(err)
			} else if err != nil {
				return nil, fmt.Errorf("uid %d: parse: %w", it.m.uid, err)
			} else {
				e.Channel, e.Auth = "imap:"+s.p.opts.Name, senderCheck(it.raw, s.p.opts.TrustedAuthservID, e)
				ps[i].e = e
				mails = append(mails, e)
			}
		}
	}

	var rcs []*core.Receipt
	var errs []error
	if len(mails) > 1 {
		rcs, errs = s.p.recv.ReceiveAll(rctx, mails)
	} else if len(mails) == 1 {
		rc, err := s.p.recv.Receive(rctx, mails[0])
		rcs, errs = []*core.Receipt{rc}, []error{err}
	}

	var out []received
	j := 0
	for i, it := range items {
		p := ps[i]
		if p.e == nil {
			if err := s.quarantine(rctx, it.m, it.raw, it.m.messageID, p.reason); err != nil {
				return out, fmt.Errorf("uid %d: %w", it.m.uid, err)
			}
			out = append(out, received{m: it.m, quarantined: true})
			continue
		}
		if j >= len(rcs) {
			break // not received: a failure before it stopped ReceiveAll
		}
		rc, err := rcs[j], errs[j]
		j++
		if err != nil {
			switch core.ErrorCode(err) {
			case core.EINVALID, core.EFORBIDDEN:
				if qerr := s.quarantine(rctx, it.m, it.raw, p.e.MessageID, core.ErrorMessage(err)); qerr != nil {
					return out, fmt.Errorf("uid %d: %w", it.m.uid, qerr)
				}
				out = append(out, received{m: it.m, quarantined: true})
				continue
			}
			// Later mails of the batch may be committed, but the cursor
			// must not pass this one: they come back as duplicates.
			return out, fmt.Errorf("uid %d: %w", it.m.uid, err)
		}
		if s.p.opts.OnCommit != nil {
			s.p.opts.OnCommit(time.Since(fetched))
		}
		s.p.update(func(st *State) {
			if rc.Outcome == core.OutcomeDuplicate {
				st.Duplicates++
			} else {
				st.Processed++
			}
		})
		s.log.Info("mail received", "uid", it.m.uid, "message_id", p.e.MessageID, "outcome", rc.Outcome, "ticket", rc.Ticket)
		out = append(out, received{m: it.m, quarantined: false})
	}
	return out, nil
}

// senderCheck is what the MTA that delivered to the mailbox found about
// the sender, or an unchecked (so unauthenticated) sender when it left no
// trusted Authentication-Results field.
func senderCheck(raw []byte, trustedAuthservID string, e *core.Email) *core.Auth {
	_, domain, _ := strings.Cut(e.From.Addr, "@")
	if a, ok := mailauth.FromHeader(raw, trustedAuthservID, domain); ok {
		return a
	}
	return mailauth.Unchecked(domain)
}
