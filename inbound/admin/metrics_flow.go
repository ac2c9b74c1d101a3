package admin

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"helpdesk/core"
	"helpdesk/internal/buildinfo"
)

// flow are the metrics of mail passing through: the SMTP replies, the
// intake and delivery latencies, the IMAP lag, and the build.
type flow struct {
	replies   *prometheus.CounterVec
	intake    *prometheus.HistogramVec
	delivery  *prometheus.HistogramVec
	imapLag   *prometheus.GaugeVec
	buildInfo *prometheus.GaugeVec
}

// SMTPReply is a code and reason pair the SMTP server may answer
// (package smtp's Replies), shown at 0 from the start.
type SMTPReply struct {
	Code   int
	Reason string
}

func newFlow() *flow {
	f := &flow{
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "helpdesk_smtp_replies_total",
			Help: "Replies of the SMTP server by code and reason; code 220 reason greeting counts the sessions."},
			[]string{"code", "reason"}),
		intake: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "helpdesk_intake_seconds",
			Help:    "Time from the end of DATA (SMTP) or of the fetch (IMAP) to core's commit, by channel (smtp, imap:NAME).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}}, []string{"channel"}),
		delivery: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "helpdesk_notification_delivery_seconds",
			Help:    "Time from an outbox row's creation to its delivery, by lane (mail, slack).",
			Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400}}, []string{"lane"}),
		imapLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_imap_lag_messages",
			Help: "Messages the last search of each IMAP mailbox found above its cursor and not yet committed."},
			[]string{"mailbox"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_build_info",
			Help: "Always 1; the labels say which build runs."}, []string{"version", "revision", "goversion"}),
	}
	for _, l := range []core.Lane{core.LaneMail, core.LaneSlack} {
		f.delivery.WithLabelValues(string(l))
	}
	f.intake.WithLabelValues("smtp")
	bi := buildinfo.Read()
	f.buildInfo.WithLabelValues(bi.Version, bi.Revision, bi.Go).Set(1)
	return f
}

func (f *flow) collectors() []prometheus.Collector {
	return []prometheus.Collector{f.replies, f.intake, f.delivery, f.imapLag, f.buildInfo}
}

// SMTPReplies makes every pair of replies show at 0 from the start;
// pairs not listed appear with their first reply.
func (m *Metrics) SMTPReplies(replies []SMTPReply) {
	for _, r := range replies {
		m.flow.replies.WithLabelValues(strconv.Itoa(r.Code), r.Reason)
	}
}

// SMTPReply counts one reply of the SMTP server.
func (m *Metrics) SMTPReply(code int, reason string) {
	m.flow.replies.WithLabelValues(strconv.Itoa(code), reason).Inc()
}

// Intake records how long a mail of channel ("smtp", "imap:NAME") took
// from the end of DATA or of its fetch to the commit.
func (m *Metrics) Intake(channel string, d time.Duration) {
	m.flow.intake.WithLabelValues(channel).Observe(d.Seconds())
}

// Delivered records how long an outbox row of lane waited from its
// creation to its delivery.
func (m *Metrics) Delivered(lane core.Lane, d time.Duration) {
	m.flow.delivery.WithLabelValues(string(lane)).Observe(max(d, 0).Seconds())
}
