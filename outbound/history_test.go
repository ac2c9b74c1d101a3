package outbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

// slowMailer advances the clock by took on each send, then passes it on.
type slowMailer struct {
	clock *fakeClock
	took  time.Duration
	next  Mailer
}

func (m *slowMailer) Send(ctx context.Context, from string, to []string, msg []byte, id string) error {
	m.clock.Add(m.took)
	return m.next.Send(ctx, from, to, msg, id)
}

// Each attempt is recorded with its end, its duration and its result.
func TestWorker_RecordsAttempts(t *testing.T) {
	slow := &slowMailer{took: 1500 * time.Millisecond}
	env := MustWorker(t, func(o *Options, m *Mailer) {
		o.MaxAttempts = 3
		slow.next = *m
		*m = slow
	})
	slow.clock = env.clock

	env.relay.setCode(451)
	retried := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	env.drain(t, 0)
	env.relay.setCode(0)
	env.clock.Add(time.Hour)
	env.drain(t, 1)

	h := env.q.row(retried).History
	if len(h) != 2 || h[0].Result != "retry" || h[1].Result != "sent" {
		t.Fatalf("history %+v, want retry then sent", h)
	}
	if h[0].Dur != 1500*time.Millisecond || !h[0].At.Equal(t0.Add(1500*time.Millisecond)) {
		t.Errorf("first attempt ended %v after %v, want %v after 1.5s", h[0].At, h[0].Dur, t0.Add(1500*time.Millisecond))
	}
	if !strings.Contains(h[0].Error, "451") || h[1].Error != "" {
		t.Errorf("errors %q, %q", h[0].Error, h[1].Error)
	}

	env.relay.setCode(550)
	dead := env.q.add(t, core.OutboxEmail, 2, testNotice(), env.clock.Now())
	env.drain(t, 0)
	h = env.q.row(dead).History
	if len(h) != 1 || h[0].Result != "dead" || !strings.Contains(h[0].Error, "550") {
		t.Fatalf("history %+v, want one dead attempt with the 550", h)
	}
}
