package gateway

import (
	"context"

	"helpdesk/core"
	"helpdesk/inbound/admin"
	"helpdesk/store"
)

// countingReceiver counts each mail a channel hands to core, by outcome,
// for helpdesk_mails_received_total.
type countingReceiver struct {
	kicker
	channel string
	m       *admin.Metrics
}

func (c countingReceiver) Receive(ctx context.Context, e *core.Email) (*core.Receipt, error) {
	rc, err := c.kicker.Receive(ctx, e)
	c.count(rc, err)
	c.m.SenderChecked(e.Auth)
	return rc, err
}

func (c countingReceiver) count(rc *core.Receipt, err error) {
	switch {
	case err == nil:
		c.m.Received(c.channel, rc.Outcome)
	case core.ErrorCode(err) == core.EINVALID || core.ErrorCode(err) == core.EFORBIDDEN:
		c.m.Received(c.channel, "refused")
	default:
		c.m.Received(c.channel, "error")
	}
}

func (c countingReceiver) ReceiveAll(ctx context.Context, mails []*core.Email) ([]*core.Receipt, []error) {
	rcs, errs := c.kicker.ReceiveAll(ctx, mails)
	for i := range mails {
		c.count(rcs[i], errs[i])
		c.m.SenderChecked(mails[i].Auth)
	}
	return rcs, errs
}

// countingStore counts the mail an IMAP poller quarantines.
type countingStore struct {
	*store.DB
	channel string
	m       *admin.Metrics
}

func (c countingStore) Quarantine(ctx context.Context, q *core.Quarantined) error {
	if err := c.DB.Quarantine(ctx, q); err != nil {
		return err
	}
	c.m.Received(c.channel, "quarantined")
	return nil
}
