package outbound

import (
	"testing"
	"time"

	"helpdesk/core"
)

func TestBreaker(t *testing.T) {
	var b breaker
	for i := 1; i < breakerAfter; i++ {
		if b.failed(t0) || b.paused(t0) {
			t.Fatalf("paused after %d failures", i)
		}
	}
	// Each failure from the breakerAfter-th on pauses the lane, the pause
	// doubling up to breakerMaxPause.
	now := t0
	for _, want := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute} {
		if !b.failed(now) {
			t.Fatalf("failure %d did not pause", b.fails)
		}
		if !b.paused(now.Add(want-time.Nanosecond)) || b.paused(now.Add(want)) {
			t.Fatalf("failure %d: paused until %v, want %v", b.fails, b.until.Sub(now), want)
		}
		// A row in flight when the lane was paused fails too: the pause
		// stays.
		if b.failed(now.Add(time.Second)) || !b.until.Equal(now.Add(want)) {
			t.Fatalf("a failure during the pause moved it to %v", b.until.Sub(now))
		}
		now = now.Add(want)
	}
	if !b.answered() {
		t.Error("answered: the lane was paused")
	}
	if b.paused(t0) || b.failed(t0) {
		t.Error("an answer must close the breaker and restart the count")
	}
	if got := b.width(8); got != 1 {
		t.Errorf("width after a failure = %d, want 1", got)
	}
	b.answered()
	if got := b.width(8); got != 8 {
		t.Errorf("width once a row went through = %d, want 8", got)
	}
}

// TestWorker_BreakerPausesADownRelay: with the relay down, the worker
// stops trying every row after breakerAfter failures in a row, tries one
// when the pause ends, and once one goes through sends everything at
// once. Slack, in its own lane, is not held up.
func TestWorker_BreakerPausesADownRelay(t *testing.T) {
	env := MustWorker(t, nil)
	env.relay.setCode(451)
	var mails []int64
	for n := int64(1); n <= 20; n++ {
		mails = append(mails, env.q.add(t, core.OutboxEmail, n, testNotice(), t0))
	}
	notice := env.q.add(t, core.OutboxSlackNotice, 0, core.SlackNotice{Department: "support", Text: "hello"}, t0)

	env.drain(t, 1) // the Slack notice
	checkRow(t, env.q.row(notice), "sent", 1)
	for i, id := range mails {
		want := 0
		if i < breakerAfter {
			want = 1
		}
		checkRow(t, env.q.row(id), "pending", want)
	}

	// Still paused: nothing is tried.
	env.clock.Add(breakerFirstPause - time.Second)
	env.drain(t, 0)
	checkRow(t, env.q.row(mails[breakerAfter]), "pending", 0)

	// The pause is over: one row is tried, fails, and the pause doubles.
	env.clock.Add(time.Second)
	env.drain(t, 0)
	checkRow(t, env.q.row(mails[breakerAfter]), "pending", 1)
	checkRow(t, env.q.row(mails[breakerAfter+1]), "pending", 0)
	if got := len(env.relay.received()); got != 0 {
		t.Fatalf("relay took %d mails while down", got)
	}

	// The relay is back; at the next probe everything goes out.
	env.relay.setCode(0)
	env.clock.Add(2 * breakerFirstPause)
	env.drain(t, len(mails))
	for _, id := range mails {
		if r := env.q.row(id); r.State != "sent" {
			t.Fatalf("row %d %s after the relay came back", id, r.State)
		}
	}
}
