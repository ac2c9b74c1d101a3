package gateway

import (
	"context"
	"fmt"

	"helpdesk/core"
	"helpdesk/inbound/mail"
)

// RetryQuarantined feeds the raw bytes of quarantined mail id through the
// parser and core again, as if the mail had just arrived, and drops the
// row once core has committed it. Dropping is a second transaction:
// should it fail, a later retry finds the mail stored already (a
// duplicate), which is harmless.
func (a *App) RetryQuarantined(ctx context.Context, id int64) (*core.Receipt, error) {
	q, err := a.DB.QuarantineGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.Raw == nil {
		return nil, fmt.Errorf("quarantined mail %d: the raw message was too large to keep; nothing to retry", id)
	}
	e, err := mail.Parse(q.Raw, core.Envelope{})
	if err != nil {
		return nil, fmt.Errorf("quarantined mail %d still cannot be parsed: %w", id, err)
	}
	rc, err := a.Core.Receive(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("quarantined mail %d still cannot be received: %w", id, err)
	}
	if err := a.DB.QuarantineDrop(ctx, id); err != nil {
		return nil, fmt.Errorf("quarantined mail %d was received (%s, ticket %d) but removing it from quarantine failed: %w",
			id, rc.Outcome, rc.Ticket, err)
	}
	return rc, nil
}
