package admin

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"helpdesk/core"
)

func newMailAuth() *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "helpdesk_mail_auth_total",
		Help: "Inbound mails whose sender was checked (docs/rules.md §6), by DMARC result (pass, fail, none, temperror) " +
			"and whether the sender counted as authenticated (true, false)."},
		[]string{"result", "authenticated"})
	// The pairs that can happen show from the start, at 0: DMARC pass is
	// always authenticated and fail never; without a verdict, an aligned
	// SPF or DKIM pass decides.
	v.WithLabelValues(core.AuthPass, "true")
	v.WithLabelValues(core.AuthFail, "false")
	for _, r := range []string{core.AuthNone, core.AuthTempError} {
		v.WithLabelValues(r, "true")
		v.WithLabelValues(r, "false")
	}
	return v
}

// SenderChecked counts one inbound mail's sender check; a mail that was
// not checked (nil) is not counted.
func (m *Metrics) SenderChecked(a *core.Auth) {
	if a == nil {
		return
	}
	result := a.DMARC
	if result == "" {
		result = core.AuthNone
	}
	m.mailAuth.WithLabelValues(result, strconv.FormatBool(a.Authenticated())).Inc()
}
