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

// Slack posts a ticket's parent message and the messages in its thread.
//
// Errors are *PermanentError when posting again cannot succeed (no such
// channel, bad token), *RetryAfterError when Slack asked to slow down, and
// temporary otherwise.
type Slack interface {
	// PostTicket posts the ticket's parent message to channel and returns
	// its ts, which identifies the thread.
	PostTicket(ctx context.Context, channel string, p core.SlackPost) (ts string, err error)
	// PostReply posts p in the thread threadTS of channel.
	PostReply(ctx context.Context, channel, threadTS string, p core.SlackPost) error
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

// PostReply posts a customer's message in the ticket's thread.
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
