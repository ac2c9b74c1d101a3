package outbound

import (
	"sync"
	"sync/atomic"
	"testing"

	"helpdesk/core"
)

// A disabled channel holds its rows: they stay pending with no attempt
// counted, the other lane goes on, and they go out in order once the
// channel is enabled again. Report sees every attempt.
func TestWorker_HoldDisabledChannel(t *testing.T) {
	var relayOff atomic.Bool
	relayOff.Store(true)
	var mu sync.Mutex
	reports := map[string]int{}
	env := MustWorker(t, func(o *Options, _ *Mailer) {
		o.Hold = func(kind string) bool { return kind == core.OutboxEmail && relayOff.Load() }
		o.Report = func(kind string, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				reports[kind+" sent"]++
			} else {
				reports[kind+" failed"]++
			}
		}
		o.BatchSize = 2 // the held rows fill a batch: the rows behind them must still go
	})
	ack := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	status := testNotice()
	status.MessageID, status.Template, status.Data.Status = "t1042.status.2@support.example.com", core.TemplateStatus, "assigned"
	mail2 := env.q.add(t, core.OutboxEmail, 1, status, t0)
	parent := env.q.add(t, core.OutboxSlackTicket, 1, testPost(), t0)

	env.drain(t, 1)
	checkRow(t, env.q.row(ack), "pending", 0)
	checkRow(t, env.q.row(mail2), "pending", 0)
	checkRow(t, env.q.row(parent), "sent", 1)
	if n := len(env.relay.received()); n != 0 {
		t.Fatalf("relay got %d mails while disabled", n)
	}
	env.drain(t, 0)

	relayOff.Store(false)
	env.drain(t, 2)
	checkRow(t, env.q.row(ack), "sent", 1)
	checkRow(t, env.q.row(mail2), "sent", 1)
	if got := env.relay.received(); len(got) != 2 {
		t.Fatalf("relay got %d mails, want 2", len(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if reports["email sent"] != 2 || reports["slack_ticket sent"] != 1 || len(reports) != 2 {
		t.Fatalf("reports %v", reports)
	}
}
