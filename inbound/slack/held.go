package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"helpdesk/core"
)

// Held answers the Accept and Reject buttons of mail a department's
// unknown-sender policy holds (docs/rules.md §1). Each returns what was
// done, as a sentence for the agent.
type Held interface {
	AcceptHeld(ctx context.Context, id int64, by core.Actor) (string, error)
	RejectHeld(ctx context.Context, id int64, by core.Actor) (string, error)
}

// Opener opens a ticket on a customer's behalf (/helpdesk new).
type Opener interface {
	OpenTicket(ctx context.Context, r core.OpenRequest, a core.Actor) (int64, error)
}

// heldButton performs an Accept or Reject button of a held mail; ok is
// false for any other button.
func (h *Handler) heldButton(ctx context.Context, user, actionID, value string) (answer string, ok bool) {
	if actionID != core.SlackActionAcceptHeld && actionID != core.SlackActionRejectHeld {
		return "", false
	}
	actor, err := h.actor(ctx, user)
	if err != nil {
		h.log.WarnContext(ctx, "cannot tell who pressed a button", keyUser, user, keyError, err)
		return notChecked, true
	}
	if actor.Kind != core.ActorAgent {
		h.log.InfoContext(ctx, "button from a non-agent refused", keyUser, user)
		return notAgent, true
	}
	if h.opts.Held == nil {
		return "Held mail cannot be decided from Slack here; nothing was changed.", true
	}
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		return "This button names no held mail; nothing was changed.", true
	}
	var res string
	if actionID == core.SlackActionAcceptHeld {
		res, err = h.opts.Held.AcceptHeld(ctx, id, actor)
	} else {
		res, err = h.opts.Held.RejectHeld(ctx, id, actor)
	}
	if err != nil {
		return h.safeMessage(ctx, err, "held mail"), true
	}
	h.log.InfoContext(ctx, "held mail decided", "quarantine", id, keyUser, actor.ID, "action", actionID)
	h.changed()
	return escape(res), true
}

// newTicket is /helpdesk new EMAIL subject | text.
func (h *Handler) newTicket(ctx context.Context, actor core.Actor, text string) string {
	const usage = "Usage: `/helpdesk new EMAIL subject | text`"
	if h.opts.Open == nil {
		return "Opening tickets from Slack is not available here."
	}
	// Slack links an address as <mailto:a@b|a@b>; plainText undoes it.
	addr, body, _ := strings.Cut(plainText(rest(text, 1)), " ")
	subject, msg, ok := strings.Cut(body, "|")
	if addr == "" || !ok || strings.TrimSpace(subject) == "" || strings.TrimSpace(msg) == "" {
		return usage
	}
	n, err := h.opts.Open.OpenTicket(ctx, core.OpenRequest{To: core.Address{Addr: addr},
		Subject: strings.TrimSpace(subject), Text: strings.TrimSpace(msg)}, actor)
	if err != nil {
		return h.safeMessage(ctx, err, "new")
	}
	h.log.InfoContext(ctx, "ticket opened from Slack", keyTicket, n, keyUser, actor.ID)
	h.changed()
	return fmt.Sprintf("Opened ticket #%d for %s; the first message is mailed to them.", n, escape(clip(addr, addressShown)))
}
