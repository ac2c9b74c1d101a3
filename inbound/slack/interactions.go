package slack

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// serveInteraction is /slack/interactions: the ticket card's buttons.
// Slack wants the HTTP answer at once; what the button did is told to
// the agent who pressed it by an ephemeral message to the response_url.
func (h *Handler) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.verified(w, r); !ok {
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(r.PostFormValue("payload")), &cb); err != nil {
		http.Error(w, "unreadable interaction", http.StatusBadRequest)
		return
	}
	ctx, cancel := detach(r.Context())
	defer cancel()
	if !h.interaction(ctx, cb) {
		http.Error(w, "response_url is not Slack's", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// buttonActions maps the card's buttons to core actions.
var buttonActions = map[string]string{
	core.SlackActionAssignMe: "assign",
	core.SlackActionSolved:   "solved",
	core.SlackActionClose:    "close",
}

// interaction performs the card's buttons pressed in cb and answers the
// agent. Other interactions are ignored. It returns false, having done
// nothing, when cb's response_url is not one the desk may post to.
func (h *Handler) interaction(ctx context.Context, cb slack.InteractionCallback) bool {
	if cb.ResponseURL != "" {
		if err := checkResponseURL(cb.ResponseURL, h.opts.ResponseURLHosts); err != nil {
			// The URL's path may hold Slack's token for it: not logged.
			h.log.WarnContext(ctx, "slack interaction refused, nothing done", keyUser, cb.User.ID, keyError, err)
			return false
		}
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		return true
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if res, ok := h.replyButton(ctx, cb.User.ID, a.ActionID, a.Value); ok {
			h.answerReplacing(ctx, cb.ResponseURL, res)
			continue
		}
		if res, ok := h.heldButton(ctx, cb.User.ID, a.ActionID, a.Value); ok {
			h.answer(ctx, cb.ResponseURL, res)
			continue
		}
		action, ok := buttonActions[a.ActionID]
		if !ok {
			continue
		}
		h.answer(ctx, cb.ResponseURL, h.button(ctx, cb.User.ID, action, a.Value))
	}
	return true
}

// button performs one button for the user and returns the answer.
func (h *Handler) button(ctx context.Context, user, action, value string) string {
	actor, err := h.actor(ctx, user)
	if err != nil {
		h.log.WarnContext(ctx, "cannot tell who pressed a button", keyUser, user, keyError, err)
		return notChecked
	}
	if actor.Kind != core.ActorAgent {
		h.log.InfoContext(ctx, "button from a non-agent refused", keyUser, user)
		return notAgent
	}
	n, ok := ticketRef(value)
	if !ok {
		return "This button names no ticket; nothing was changed."
	}
	var args []string
	if action == "assign" {
		args = []string{actor.ID}
	}
	return h.act(ctx, actor, n, action, args, "")
}

// answer posts text to a response_url as an ephemeral message that
// leaves the card as it is; the card itself is redrawn by the outbox.
func (h *Handler) answer(ctx context.Context, url, text string) {
	if url == "" {
		return
	}
	msg := &slack.WebhookMessage{Text: fitAnswer(text), ResponseType: slack.ResponseTypeEphemeral}
	if err := slack.PostWebhookCustomHTTPContext(ctx, url, h.opts.HTTPClient, msg); err != nil {
		h.log.WarnContext(ctx, "could not answer a button", keyError, err)
	}
}
