package slack

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
)

// Replies previews saved replies for /helpdesk #N reply-with NAME
// (docs/rules.md §7).
type Replies interface {
	PreviewReply(ctx context.Context, number int64, a core.Actor, name string) (string, error)
}

// previewShown bounds the previewed text, which shares its section with
// nothing; the reply is sent whole all the same.
const previewShown = slacklimit.SectionText - 100

// slash answers one slash command: a saved reply's preview with its
// buttons, or any other command's text.
func (h *Handler) slash(ctx context.Context, cmd slack.SlashCommand) map[string]any {
	fields := strings.Fields(cmd.Text)
	if len(fields) >= 2 && strings.EqualFold(fields[1], "reply-with") {
		if n, ok := ticketRef(fields[0]); ok {
			return h.replyPreview(ctx, cmd.UserID, n, fields[2:])
		}
	}
	return ephemeral(h.command(ctx, cmd))
}

// replyPreview shows the agent what reply-with would send, with Send
// and Cancel; nothing is sent until Send. A preview that cannot be made
// says why, as the action would.
func (h *Handler) replyPreview(ctx context.Context, user string, n int64, args []string) map[string]any {
	actor, err := h.actor(ctx, user)
	if err != nil {
		h.log.WarnContext(ctx, "cannot tell who sent a slash command", keyUser, user, keyError, err)
		return ephemeral(notChecked)
	}
	if actor.Kind != core.ActorAgent {
		h.log.InfoContext(ctx, "slash command from a non-agent refused", keyUser, user)
		return ephemeral(notAgent)
	}
	if len(args) != 1 {
		return ephemeral("Usage: `/helpdesk #N reply-with NAME`")
	}
	name := strings.ToLower(plainText(args[0]))
	if h.opts.Replies == nil {
		return ephemeral("Saved replies are not available here.")
	}
	text, err := h.opts.Replies.PreviewReply(ctx, n, actor, name)
	if err != nil {
		return ephemeral(h.safeMessage(ctx, err, "reply-with"))
	}
	head := fmt.Sprintf("Saved reply *%s* for ticket #%d, as the customer will get it. Nothing is sent until you press *Send*; "+
		"it goes out as any answer does (a charge waiting for confirmation holds it).", escape(clip(name, 64)), n)
	quoted := "> " + strings.ReplaceAll(slacklimit.Cut(escape(text), previewShown), "\n", "\n> ")
	value := strconv.FormatInt(n, 10) + " " + name
	send := slack.NewButtonBlockElement(core.SlackActionReplySend, value, slack.NewTextBlockObject(slack.PlainTextType, "Send", false, false))
	send.Style = slack.StylePrimary
	cancel := slack.NewButtonBlockElement(core.SlackActionReplyCancel, value, slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, head, false, false), nil, nil),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, quoted, false, false), nil, nil),
		slack.NewActionBlock("reply_preview", send, cancel),
	}
	msg := ephemeral(fmt.Sprintf("Preview of saved reply %s for ticket #%d", escape(clip(name, 64)), n))
	msg["blocks"] = blocks
	return msg
}

// replyButton performs Send or Cancel of a preview; ok is false for any
// other button. The answer replaces the preview, so its buttons cannot
// be pressed twice.
func (h *Handler) replyButton(ctx context.Context, user, actionID, value string) (answer string, ok bool) {
	if actionID != core.SlackActionReplySend && actionID != core.SlackActionReplyCancel {
		return "", false
	}
	ns, name, _ := strings.Cut(value, " ")
	n, valid := ticketRef(ns)
	if !valid || name == "" {
		return "This button names no saved reply; nothing was sent.", true
	}
	if actionID == core.SlackActionReplyCancel {
		return fmt.Sprintf("Saved reply %s was not sent to ticket #%d.", escape(clip(name, 64)), n), true
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
	return h.act(ctx, actor, n, "reply-with", []string{name}, ""), true
}

// answerReplacing posts text to a response_url in place of the message
// whose button was pressed.
func (h *Handler) answerReplacing(ctx context.Context, url, text string) {
	if url == "" {
		return
	}
	msg := &slack.WebhookMessage{Text: fitAnswer(text), ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: true}
	if err := slack.PostWebhookCustomHTTPContext(ctx, url, h.opts.HTTPClient, msg); err != nil {
		h.log.WarnContext(ctx, "could not answer a button", keyError, err)
	}
}
