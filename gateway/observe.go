package gateway

import (
	"time"

	"helpdesk/core"
	"helpdesk/inbound/admin"
	smtpin "helpdesk/inbound/smtp"
)

// observeSMTP points the SMTP server's reply and commit hooks at the
// metrics, every reply pair showing at 0 from the start.
func (a *App) observeSMTP(o *smtpin.Options) {
	pairs := make([]admin.SMTPReply, len(smtpin.Replies))
	for i, r := range smtpin.Replies {
		pairs[i] = admin.SMTPReply{Code: r.Code, Reason: r.Reason}
	}
	a.metrics.SMTPReplies(pairs)
	o.OnReply = a.metrics.SMTPReply
	o.OnCommit = func(d time.Duration) { a.metrics.Intake("smtp", d) }
}

// delivered records an outbox row's time from creation to delivery.
func (a *App) delivered(it core.OutboxItem, at time.Time) {
	a.metrics.Delivered(core.LaneOf(it.Kind), at.Sub(it.CreatedAt))
}
