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
	if st, err := a.DB.HeldState(ctx, id); err != nil {
		return nil, err
	} else if st != "" {
		// Held by the unknown-sender policy: retrying it is accepting it.
		return a.AcceptHeld(ctx, id, core.Actor{Kind: core.ActorAdmin, ID: "admin"})
	}
	e, err := mail.ParseWith(q.Raw, core.Envelope{}, a.Config().ParseOptions())
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

// AcceptHeld opens the ticket of a mail held by a department's
// unknown-sender policy (docs/rules.md §1), as if it had just arrived:
// the kept raw bytes are parsed again and core takes them past the
// policy. It is the Accept button of the held mail's Slack notice.
func (a *App) AcceptHeld(ctx context.Context, id int64, by core.Actor) (*core.Receipt, error) {
	q, err := a.DB.QuarantineGet(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.Raw == nil {
		return nil, core.Errorf(core.EINVALID, "quarantined mail %d was too large to keep; nothing to accept", id)
	}
	e, err := mail.ParseWith(q.Raw, core.Envelope{}, a.Config().ParseOptions())
	if err != nil {
		return nil, fmt.Errorf("quarantined mail %d cannot be parsed: %w", id, err)
	}
	rc, err := a.Core.AcceptHeld(ctx, id, e, by)
	if err == nil {
		a.Worker.Kick()
	}
	return rc, err
}

// heldDesk answers the Accept and Reject buttons of held mail in Slack.
type heldDesk struct{ a *App }

func (h heldDesk) AcceptHeld(ctx context.Context, id int64, by core.Actor) (string, error) {
	rc, err := h.a.AcceptHeld(ctx, id, by)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Accepted: the mail opened ticket #%d.", rc.Ticket), nil
}

func (h heldDesk) RejectHeld(ctx context.Context, id int64, by core.Actor) (string, error) {
	if err := h.a.Core.RejectHeld(ctx, id, by); err != nil {
		return "", err
	}
	return fmt.Sprintf("Rejected: quarantined mail %d stays filed as rejected.", id), nil
}
