package imap

import (
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
)

// Report is what Verify found on the server.
type Report struct {
	// Capabilities after login, sorted.
	Capabilities []string
	// Messages and Unseen count the mail in the mailbox.
	Messages, Unseen uint32
	UIDValidity      uint32
	UIDNext          uint32
	// IDLE and MOVE say whether the server offers them.
	IDLE, MOVE bool
}

// Verify dials, logs in and examines the mailbox (read-only: no flag
// changes), and checks that ProcessedMailbox and FailedMailbox exist when
// set. Its errors say what failed: "dial …", "tls handshake with …",
// "login refused for user …", "mailbox … does not exist".
func Verify(ctx context.Context, opts Options) (*Report, error) {
	opts.fill()
	c, w, err := open(ctx, &opts, nil, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		w.arm(opts.LogoutTimeout)
		_ = c.Logout().Wait() // the answer is in hand; a failed goodbye changes nothing
		c.Close()
		w.stop()
	}()

	sel, err := selectMailbox(c, opts.Mailbox, true)
	if err != nil {
		return nil, err
	}
	unseen, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search unseen in %s: %w", opts.Mailbox, err)
	}
	for _, name := range []string{opts.ProcessedMailbox, opts.FailedMailbox} {
		if name == "" {
			continue
		}
		_, err := c.Status(name, &imap.StatusOptions{NumMessages: true}).Wait()
		if missingMailbox(err) {
			return nil, fmt.Errorf("mailbox %s does not exist: %w", name, err)
		}
		if err != nil {
			return nil, fmt.Errorf("status of mailbox %s: %w", name, err)
		}
	}

	caps := c.Caps()
	r := &Report{
		Messages:    sel.NumMessages,
		Unseen:      uint32(len(unseen.AllUIDs())),
		UIDValidity: sel.UIDValidity,
		UIDNext:     uint32(sel.UIDNext),
		IDLE:        caps.Has(imap.CapIdle),
		MOVE:        caps.Has(imap.CapMove),
	}
	for c := range caps {
		r.Capabilities = append(r.Capabilities, string(c))
	}
	slices.Sort(r.Capabilities)
	return r, nil
}
