package outbound

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"helpdesk/core"
)

// SlackLog is a Slack for set-ups with Slack off: it logs each post and
// makes up a ts, so that the worker records threads exactly as it would
// with Slack on.
type SlackLog struct {
	logger *slog.Logger
	base   int64 // Unix seconds when created
	seq    atomic.Int64
}

var _ Slack = (*SlackLog)(nil)

// NewSlackLog returns a SlackLog that logs to logger at info level; nil
// means slog.Default().
func NewSlackLog(logger *slog.Logger) *SlackLog {
	if logger == nil {
		logger = slog.Default()
	}
	return &SlackLog{logger: logger.With("component", "slack-log"), base: time.Now().Unix()}
}

// PostTicket logs the parent message and returns a new ts.
func (s *SlackLog) PostTicket(ctx context.Context, channel string, p core.SlackPost) (string, error) {
	ts := s.nextTS()
	s.logger.InfoContext(ctx, "slack off: ticket not posted",
		"channel", channel, "ts", ts, "number", p.Number, "subject", p.Subject, "from", p.From,
		"status", p.Status, "priority", p.Priority, "text_len", len(p.Text), "attachments", len(p.Attachments))
	return ts, nil
}

// UpdateTicket logs the redrawn card's state.
func (s *SlackLog) UpdateTicket(ctx context.Context, channel, ts string, p core.SlackPost) error {
	s.logger.InfoContext(ctx, "slack off: ticket not updated",
		"channel", channel, "ts", ts, "number", p.Number, "status", p.Status, "priority", p.Priority,
		"hotrush", p.HotRush, "assignee", p.Assignee, "solved", p.Solved, "sla_state", p.SLAState)
	return nil
}

// PostReply logs the thread message.
func (s *SlackLog) PostReply(ctx context.Context, channel, threadTS string, p core.SlackPost) error {
	s.logger.InfoContext(ctx, "slack off: reply not posted",
		"channel", channel, "thread_ts", threadTS, "number", p.Number, "from", p.From,
		"direction", p.Direction, "event", p.Event,
		"text_len", len(p.Text), "attachments", len(p.Attachments))
	return nil
}

// PostNotice logs the notice.
func (s *SlackLog) PostNotice(ctx context.Context, channel, threadTS string, n core.SlackNotice) error {
	s.logger.InfoContext(ctx, "slack off: notice not posted",
		"channel", channel, "thread_ts", threadTS, "number", n.Number, "department", n.Department,
		"text", n.Text, "mentions", len(n.Mention))
	return nil
}

// nextTS returns ts values in Slack's "seconds.micros" form that are
// unique within the process and increase: the creation second plus a
// counter in the fraction.
func (s *SlackLog) nextTS() string {
	n := s.seq.Add(1)
	return fmt.Sprintf("%d.%06d", s.base+n/1_000_000, n%1_000_000)
}
