package admin

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"helpdesk/core"
)

// Metrics are the gateway's Prometheus metrics, on a registry of their
// own (nothing is registered globally). The counters and the sweep
// histogram are updated by the components through the methods below; the
// gauges are read from the database and the channels at each scrape.
type Metrics struct {
	reg *prometheus.Registry

	received *prometheus.CounterVec
	sent     *prometheus.CounterVec
	failed   *prometheus.CounterVec
	sweep    prometheus.Histogram
	mailAuth *prometheus.CounterVec // mailauth.go
	flow     *flow                  // metrics_flow.go

	backlog     prometheus.Gauge
	dead        prometheus.Gauge
	oldest      prometheus.Gauge
	sla         *prometheus.GaugeVec
	tickets     *prometheus.GaugeVec
	openByTag   *prometheus.GaugeVec
	quarantined prometheus.Gauge
	searchWait  prometheus.Gauge
	imapLast    *prometheus.GaugeVec
	chEnabled   *prometheus.GaugeVec
	chOK        *prometheus.GaugeVec
}

// NewMetrics returns the metrics on a new registry, with the Go runtime
// and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "helpdesk_mails_received_total",
			Help: "Inbound mails by channel (smtp, imap:NAME) and outcome (new, reply, duplicate, auto, bounce, refused, error, quarantined)."},
			[]string{"channel", "outcome"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "helpdesk_notifications_sent_total",
			Help: "Outbox rows sent, by kind (email, slack_ticket, slack_reply, …)."}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "helpdesk_notifications_failed_total",
			Help: "Failed outbox attempts (retried or dead), by kind."}, []string{"kind"}),
		sweep: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "helpdesk_sweep_duration_seconds",
			Help: "How long one sweep of the timer rules took.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "helpdesk_outbox_backlog",
			Help: "Outbox rows waiting to be sent."}),
		dead: prometheus.NewGauge(prometheus.GaugeOpts{Name: "helpdesk_outbox_dead",
			Help: "Outbox rows that failed for good."}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{Name: "helpdesk_outbox_oldest_age_seconds",
			Help: "Age of the oldest outbox row waiting to be sent; 0 when none waits."}),
		sla: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_sla_tickets",
			Help: "Tickets awaiting a staff reply whose first response is at risk or breached."}, []string{"state"}),
		tickets: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_tickets",
			Help: "Tickets by status."}, []string{"status"}),
		openByTag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_tickets_open",
			Help: "Active tickets by tag: the 20 most used tags, the rest summed as \"(other)\"."}, []string{"tag"}),
		quarantined: prometheus.NewGauge(prometheus.GaugeOpts{Name: "helpdesk_quarantined_mails",
			Help: "Mails in quarantine."}),
		searchWait: prometheus.NewGauge(prometheus.GaugeOpts{Name: "helpdesk_search_index_waiting",
			Help: "Messages stored but not yet in the full-text index; a search indexes them first."}),
		imapLast: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_imap_last_success_timestamp_seconds",
			Help: "Unix time of the last successful sync of each IMAP mailbox; 0 before the first."}, []string{"mailbox"}),
		chEnabled: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_channel_enabled",
			Help: "1 when the channel is enabled."}, []string{"channel", "kind"}),
		chOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "helpdesk_channel_ok",
			Help: "1 when the channel's last check was good."}, []string{"channel", "kind"}),
	}
	// Every kind shows from the start, at 0, rather than appearing with
	// its first row.
	for _, kind := range []string{core.OutboxEmail, core.OutboxSlackTicket, core.OutboxSlackReply,
		core.OutboxSlackUpdate, core.OutboxSlackNotice, core.OutboxSlackFile} {
		m.sent.WithLabelValues(kind)
		m.failed.WithLabelValues(kind)
	}
	m.mailAuth = newMailAuth()
	m.reg.MustRegister(m.mailAuth)
	m.flow = newFlow()
	m.reg.MustRegister(m.flow.collectors()...)
	m.reg.MustRegister(m.received, m.sent, m.failed, m.sweep, m.backlog, m.dead, m.oldest, m.sla, m.tickets, m.openByTag,
		m.quarantined, m.searchWait, m.imapLast, m.chEnabled, m.chOK,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Received counts an inbound mail of channel ("smtp", "imap:NAME") with
// its outcome.
func (m *Metrics) Received(channel, outcome string) {
	m.received.WithLabelValues(channel, outcome).Inc()
}

// Notified counts an outbox attempt of kind: sent when err is nil,
// failed otherwise.
func (m *Metrics) Notified(kind string, err error) {
	if err == nil {
		m.sent.WithLabelValues(kind).Inc()
		return
	}
	m.failed.WithLabelValues(kind).Inc()
}

// Swept records how long one sweep took.
func (m *Metrics) Swept(d time.Duration) { m.sweep.Observe(d.Seconds()) }

// handler refreshes the gauges from src and the channels, then writes
// every metric. A database that cannot be read is logged and leaves the
// database gauges as they were.
func (m *Metrics) handler(src Source, channels func() []Channel, now func() time.Time, log *slog.Logger) http.Handler {
	prom := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := src.Counts(r.Context()); err != nil {
			log.Error("metrics counts", "err", err)
		} else {
			m.backlog.Set(float64(c.OutboxPending))
			m.dead.Set(float64(c.OutboxDead))
			age := 0.0
			if !c.OutboxOldest.IsZero() {
				age = now().Sub(c.OutboxOldest).Seconds()
			}
			m.oldest.Set(age)
			m.sla.WithLabelValues("at_risk").Set(float64(c.SLAAtRisk))
			m.sla.WithLabelValues("breached").Set(float64(c.SLABreached))
			m.tickets.Reset()
			for st, n := range c.TicketsByStatus {
				m.tickets.WithLabelValues(st).Set(float64(n))
			}
			// Tags come and go: a tag no longer used must not stay at
			// its last value.
			m.openByTag.Reset()
			for tag, n := range c.OpenByTag {
				m.openByTag.WithLabelValues(tag).Set(float64(n))
			}
			m.quarantined.Set(float64(c.Quarantined))
			m.searchWait.Set(float64(c.SearchWaiting))
		}
		if channels != nil {
			m.imapLast.Reset()
			m.flow.imapLag.Reset()
			m.chEnabled.Reset()
			m.chOK.Reset()
			for _, c := range channels() {
				m.chEnabled.WithLabelValues(c.Name, c.Kind).Set(b2f(c.Enabled))
				m.chOK.WithLabelValues(c.Name, c.Kind).Set(b2f(c.OK))
				if c.Kind == "imap" {
					last := 0.0
					if c.LastSuccess != nil {
						last = float64(c.LastSuccess.UnixMilli()) / 1000
					}
					m.imapLast.WithLabelValues(c.Name).Set(last)
					m.flow.imapLag.WithLabelValues(c.Name).Set(float64(c.LagMessages))
				}
			}
		}
		prom.ServeHTTP(w, r)
	})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
