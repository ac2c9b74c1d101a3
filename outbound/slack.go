package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// Slack posts a ticket's parent message (the card), redraws it, posts the
// messages in its thread, and posts notices to a department's channel.
//
// Errors are *PermanentError when posting again cannot succeed (no such
// channel, bad token), *RetryAfterError when Slack asked to slow down, and
// temporary otherwise.
type Slack interface {
	// PostTicket posts the ticket's parent message to channel and returns
	// its ts, which identifies the thread.
	PostTicket(ctx context.Context, channel string, p core.SlackPost) (ts string, err error)
	// UpdateTicket redraws the parent message ts of channel from p's
	// state, as PostTicket would have drawn it. The card shows the first
	// message too, so p carries it as PostTicket's did.
	UpdateTicket(ctx context.Context, channel, ts string, p core.SlackPost) error
	// PostReply posts p in the thread threadTS of channel.
	PostReply(ctx context.Context, channel, threadTS string, p core.SlackPost) error
	// PostNotice posts n to channel, in the thread threadTS when it is not
	// empty. n.Text shows as plain text; n.Mention ids that are not Slack
	// user ids are left out.
	PostNotice(ctx context.Context, channel, threadTS string, n core.SlackNotice) error
}

// SlackAPI is a Slack that calls the Slack Web API.
type SlackAPI struct {
	api *slack.Client
}

var _ Slack = (*SlackAPI)(nil)

// slackHTTPTimeout bounds one Web API call; slack-go's default client has
// no timeout at all.
const slackHTTPTimeout = 30 * time.Second

// NewSlackAPI returns a SlackAPI that authenticates with the bot token.
// apiURL replaces the Web API's base URL (with a trailing slash, as in
// "http://127.0.0.1:8080/api/"), for tests and fakes; empty means Slack
// itself.
func NewSlackAPI(token, apiURL string) *SlackAPI {
	opts := []slack.Option{slack.OptionHTTPClient(&http.Client{Timeout: slackHTTPTimeout})}
	if apiURL != "" {
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &SlackAPI{api: slack.New(token, opts...)}
}

// PostTicket posts the ticket card: subject, account, type, status,
// priority, sender, and the first message.
func (s *SlackAPI) PostTicket(ctx context.Context, channel string, p core.SlackPost) (string, error) {
	_, ts, err := s.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(ticketFallback(p), false),
		slack.MsgOptionBlocks(ticketBlocks(p)...),
		// Unfurling would have Slack fetch URLs a customer wrote.
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	)
	if err != nil {
		return "", slackError(fmt.Errorf("slack: post ticket #%d to %s: %w", p.Number, channel, err))
	}
	return ts, nil
}

// UpdateTicket redraws the ticket card in place (chat.update): status,
// priority, HotRush, assignee, SLA and the solved mark as p has them now.
func (s *SlackAPI) UpdateTicket(ctx context.Context, channel, ts string, p core.SlackPost) error {
	_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(ticketFallback(p), false),
		slack.MsgOptionBlocks(ticketBlocks(p)...),
	)
	if err != nil {
		return slackError(fmt.Errorf("slack: update ticket #%d in %s: %w", p.Number, channel, err))
	}
	return nil
}

// PostReply posts a message in the ticket's thread: the customer's, a
// staff answer, an internal note, or an event such as a status change.
func (s *SlackAPI) PostReply(ctx context.Context, channel, threadTS string, p core.SlackPost) error {
	_, _, err := s.api.PostMessageContext(ctx, channel,
		slack.MsgOptionTS(threadTS),
		slack.MsgOptionText(replyFallback(p), false),
		slack.MsgOptionBlocks(replyBlocks(p)...),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	)
	if err != nil {
		return slackError(fmt.Errorf("slack: post reply on #%d to %s: %w", p.Number, channel, err))
	}
	return nil
}

// PostNotice posts a department notice as plain text, its mentions
// first.
func (s *SlackAPI) PostNotice(ctx context.Context, channel, threadTS string, n core.SlackNotice) error {
	opts := []slack.MsgOption{
		slack.MsgOptionText(noticeText(n), false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	if n.Held != 0 {
		opts = append(opts, slack.MsgOptionBlocks(heldBlocks(n)...))
	}
	if _, _, err := s.api.PostMessageContext(ctx, channel, opts...); err != nil {
		return slackError(fmt.Errorf("slack: post notice on #%d to %s: %w", n.Number, channel, err))
	}
	return nil
}

// permanentSlackErrors are Web API error codes that posting again will not
// fix without an admin: the channel or the token is wrong, or the message
// itself is refused.
var permanentSlackErrors = map[string]bool{
	"channel_not_found": true,
	"not_in_channel":    true,
	"is_archived":       true,
	"invalid_auth":      true,
	"not_authed":        true,
	"account_inactive":  true,
	"token_revoked":     true,
	"token_expired":     true,
	"missing_scope":     true,
	"no_permission":     true,
	"restricted_action": true,
	"invalid_blocks":    true,
	"msg_too_long":      true,
	"no_text":           true,
	// chat.update: the card is gone or was not posted by this bot.
	"message_not_found":   true,
	"cant_update_message": true,
	"edit_window_closed":  true,
}

// slackError classifies err: rate limits carry their wait, the codes above
// are permanent, anything else (5xx, network, unknown codes) is temporary.
func slackError(err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &RetryAfterError{Err: err, After: rl.RetryAfter}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && permanentSlackErrors[se.Err] {
		return permanent(err)
	}
	return err
}
