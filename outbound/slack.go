package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
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

// SlackAPI is a Slack that calls the Slack Web API. Every message it
// builds keeps within Slack's documented limits (internal/slacklimit);
// one that Slack refuses all the same for its content (invalid_blocks,
// msg_too_long) is posted again in a minimal form, plain text with the
// ticket's number and subject, so that the ticket's card and thread
// exist whatever a customer sent.
type SlackAPI struct {
	api *slack.Client
	log *slog.Logger
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
	return &SlackAPI{api: slack.New(token, opts...), log: slog.Default().With("component", "slack")}
}

// message is what one post or update carries.
type message struct {
	text   string
	blocks []slack.Block
}

// ticketMessage is the card: subject, account, type, status, priority,
// sender, and the first message.
func ticketMessage(p core.SlackPost) message {
	return message{ticketFallback(p), ticketBlocks(p)}
}

func replyMessage(p core.SlackPost) message {
	return message{replyFallback(p), replyBlocks(p)}
}

func noticeMessage(n core.SlackNotice) message {
	m := message{text: noticeText(n)}
	if n.Held != 0 {
		m.blocks = heldBlocks(n)
	}
	return m
}

// PostTicket posts the ticket card, or its minimal form when Slack
// refuses the card.
func (s *SlackAPI) PostTicket(ctx context.Context, channel string, p core.SlackPost) (string, error) {
	ts, err := s.post(ctx, channel, "", ticketMessage(p))
	if refused(err) {
		s.log.WarnContext(ctx, "slack refused the ticket card; posting a minimal one", "ticket", p.Number, "err", err)
		ts, err = s.post(ctx, channel, "", minimalTicket(p, err))
	}
	if err != nil {
		return "", slackError(fmt.Errorf("slack: post ticket #%d to %s: %w", p.Number, channel, err))
	}
	return ts, nil
}

// UpdateTicket redraws the ticket card in place (chat.update): status,
// priority, HotRush, assignee, SLA and the solved mark as p has them now;
// in its minimal form when Slack refuses the card.
func (s *SlackAPI) UpdateTicket(ctx context.Context, channel, ts string, p core.SlackPost) error {
	err := s.update(ctx, channel, ts, ticketMessage(p))
	if refused(err) {
		s.log.WarnContext(ctx, "slack refused the ticket card; drawing a minimal one", "ticket", p.Number, "err", err)
		err = s.update(ctx, channel, ts, minimalTicket(p, err))
	}
	if err != nil {
		return slackError(fmt.Errorf("slack: update ticket #%d in %s: %w", p.Number, channel, err))
	}
	return nil
}

// PostReply posts a message in the ticket's thread: the customer's, a
// staff answer, an internal note, or an event such as a status change;
// in a minimal form when Slack refuses it.
func (s *SlackAPI) PostReply(ctx context.Context, channel, threadTS string, p core.SlackPost) error {
	_, err := s.post(ctx, channel, threadTS, replyMessage(p))
	if refused(err) {
		s.log.WarnContext(ctx, "slack refused a thread message; posting a minimal one", "ticket", p.Number, "err", err)
		_, err = s.post(ctx, channel, threadTS, minimalReply(p, err))
	}
	if err != nil {
		return slackError(fmt.Errorf("slack: post reply on #%d to %s: %w", p.Number, channel, err))
	}
	return nil
}

// PostNotice posts a department notice as plain text, its mentions
// first; a held mail's notice carries its buttons.
func (s *SlackAPI) PostNotice(ctx context.Context, channel, threadTS string, n core.SlackNotice) error {
	_, err := s.post(ctx, channel, threadTS, noticeMessage(n))
	if refused(err) {
		s.log.WarnContext(ctx, "slack refused a notice; posting a minimal one", "ticket", n.Number, "err", err)
		_, err = s.post(ctx, channel, threadTS, minimalNotice(n, err))
	}
	if err != nil {
		return slackError(fmt.Errorf("slack: post notice on #%d to %s: %w", n.Number, channel, err))
	}
	return nil
}

// post checks m against Slack's limits and posts it, in the thread
// threadTS when that is set. A message over a limit is not sent: the
// error says which, as refused recognises.
func (s *SlackAPI) post(ctx context.Context, channel, threadTS string, m message) (string, error) {
	if err := slacklimit.CheckBlocks(m.text, m.blocks); err != nil {
		return "", err
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(m.text, false),
		// Unfurling would have Slack fetch URLs a customer wrote.
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if len(m.blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.blocks...))
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := s.api.PostMessageContext(ctx, channel, opts...)
	return ts, err
}

// update is post for chat.update; a message without blocks clears the
// blocks the card had.
func (s *SlackAPI) update(ctx context.Context, channel, ts string, m message) error {
	if err := slacklimit.CheckBlocks(m.text, m.blocks); err != nil {
		return err
	}
	_, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(m.text, false),
		slack.MsgOptionBlocks(m.blocks...),
	)
	return err
}

// refusedContent are the Web API error codes that refuse a message for
// what it holds; another form of it may pass.
var refusedContent = map[string]bool{
	"invalid_blocks":        true,
	"invalid_blocks_format": true,
	"msg_too_long":          true,
}

// refused reports whether err refuses a message for its content: our own
// check of Slack's limits, or Slack's answer.
func refused(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, slacklimit.ErrInvalidBlocks) || errors.Is(err, slacklimit.ErrTooLong) {
		return true
	}
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && refusedContent[se.Err]
}

// minimalTicket is the card in a form Slack takes whatever the ticket
// holds: plain text, the number, the subject and the sender cut short,
// and why the card could not be drawn.
func minimalTicket(p core.SlackPost, why error) message {
	return message{text: fmt.Sprintf("[#%d] %s (from %s)\n_The full card could not be shown (%s); `helpdesk ticket show %d` has everything._",
		p.Number, short(p.Subject, slacklimit.HeaderText), short(p.From, fieldLimit), whyRefused(why), p.Number)}
}

// minimalReply is a thread message in a form Slack takes.
func minimalReply(p core.SlackPost, why error) message {
	return message{text: fmt.Sprintf("[#%d] %s\n_This message could not be shown (%s); `helpdesk ticket show %d` has it._",
		p.Number, replyHeader(p), whyRefused(why), p.Number)}
}

// minimalNotice is a notice in a form Slack takes.
func minimalNotice(n core.SlackNotice, why error) message {
	text := cutEscaped(noticeText(n), sectionLimit)
	if n.Held != 0 {
		text += fmt.Sprintf("\n_The buttons could not be shown (%s); use `helpdesk quarantine show %d`._", whyRefused(why), n.Held)
	}
	return message{text: text}
}

// whyRefused names the limit or Slack's error code, short.
func whyRefused(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return "Slack answered " + se.Err
	}
	return "over Slack's limits"
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
	if errors.Is(err, slacklimit.ErrInvalidBlocks) || errors.Is(err, slacklimit.ErrTooLong) || errors.Is(err, slacklimit.ErrNoText) {
		return permanent(err) // our own check: the same message fails again
	}
	return err
}
