package outbound

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"helpdesk/core"
)

// orderMailer records the Message-IDs it is given per ticket (from
// "t<ticket>.n<seq>@…"), takes a little while for each, counts the sends
// in flight, and fails the ids in fail once each.
type orderMailer struct {
	mu       sync.Mutex
	got      map[string][]string // ticket -> Message-IDs in the order sent
	flying   int
	most     int
	fail     map[string]bool
	maxDelay time.Duration
}

func (m *orderMailer) Send(ctx context.Context, from string, to []string, msg []byte, id string) error {
	m.mu.Lock()
	m.flying++
	m.most = max(m.most, m.flying)
	m.mu.Unlock()
	time.Sleep(time.Duration(rand.Int64N(int64(m.maxDelay))))
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flying--
	if m.fail[id] {
		delete(m.fail, id)
		return errors.New("451 try again later")
	}
	ticket, _, _ := strings.Cut(id, ".")
	m.got[ticket] = append(m.got[ticket], id)
	return nil
}

// Many rows due at once go out concurrently, each ticket's in order, and
// are marked sent markChunk rows to a transaction rather than one a row. A
// ticket whose row fails sends nothing more until that row went out.
func TestWorker_ConcurrentBatch(t *testing.T) {
	const tickets, each = 40, 5
	m := &orderMailer{got: map[string][]string{}, fail: map[string]bool{"t7.n2@support.example.com": true},
		maxDelay: 3 * time.Millisecond}
	env := MustWorker(t, func(_ *Options, mm *Mailer) { *mm = m })
	for seq := 1; seq <= each; seq++ {
		for tk := int64(1); tk <= tickets; tk++ {
			n := testNotice()
			n.MessageID = fmt.Sprintf("t%d.n%d@support.example.com", tk, seq)
			env.q.add(t, core.OutboxEmail, tk, n, t0)
		}
	}

	env.drain(t, tickets*each-(each-1)) // ticket 7 stops at its 2nd mail
	if m.most < 2 || m.most > DefaultConcurrency {
		t.Errorf("at most %d sends at once, want 2 to %d", m.most, DefaultConcurrency)
	}
	if n, chunks := env.q.DoneCalls, (tickets*each+markChunk-1)/markChunk; n > chunks+1 {
		t.Errorf("%d transactions marked %d rows, want about one each %d rows (%d)", n, tickets*each, markChunk, chunks)
	}
	if got := m.got["t7"]; len(got) != 1 {
		t.Fatalf("ticket 7 sent %v, want only its first mail before the failed one", got)
	}

	env.clock.Add(time.Hour)
	env.drain(t, each-1)
	for tk := 1; tk <= tickets; tk++ {
		got := m.got[fmt.Sprintf("t%d", tk)]
		if len(got) != each {
			t.Fatalf("ticket %d: sent %v, want %d mails", tk, got, each)
		}
		for i, id := range got {
			if want := fmt.Sprintf("t%d.n%d@support.example.com", tk, i+1); id != want {
				t.Fatalf("ticket %d: sent %v, want n1 to n%d in order", tk, got, each)
			}
		}
	}
	for id := int64(1); id <= tickets*each; id++ {
		if r := env.q.row(id); r.State != "sent" || len(r.History) == 0 || r.History[len(r.History)-1].Result != "sent" {
			t.Fatalf("row %d: %s, history %+v", id, r.State, r.History)
		}
	}
}

// With Concurrency 1 the rows go out one at a time, in ID order.
func TestWorker_ConcurrencyOne(t *testing.T) {
	m := &orderMailer{got: map[string][]string{}, maxDelay: time.Millisecond}
	env := MustWorker(t, func(o *Options, mm *Mailer) { *mm, o.Concurrency = m, 1 })
	for tk := int64(1); tk <= 20; tk++ {
		n := testNotice()
		n.MessageID = fmt.Sprintf("t%d.n1@support.example.com", tk)
		env.q.add(t, core.OutboxEmail, tk, n, t0)
	}
	env.drain(t, 20)
	if m.most != 1 {
		t.Errorf("%d sends at once, want 1", m.most)
	}
}

// gateMailer lets through the first open mails, then holds every send
// until gate is closed; a send held 10 s fails with why.
type gateMailer struct {
	open int32
	sent atomic.Int32
	gate chan struct{}
	why  string
}

func (m *gateMailer) Send(ctx context.Context, from string, to []string, msg []byte, id string) error {
	if m.sent.Add(1) > m.open {
		select {
		case <-m.gate:
		case <-time.After(10 * time.Second):
			return errors.New("held for 10 s: " + m.why)
		}
	}
	return nil
}

// TestWorker_MarksWhileSending: the rows a batch sent are marked while
// the rest of the batch goes out, not only when it ends. The mailer holds
// the batch's later rows until the first rows are marked.
func TestWorker_MarksWhileSending(t *testing.T) {
	m := &gateMailer{open: markChunk + DefaultConcurrency, gate: make(chan struct{}),
		why: "no rows were marked while the batch went on"}
	env := MustWorker(t, func(_ *Options, mm *Mailer) { *mm = m })
	const rows = 3 * markChunk
	for tk := int64(1); tk <= rows; tk++ {
		env.q.add(t, core.OutboxEmail, tk, testNotice(), t0)
	}
	var once sync.Once
	env.q.OnDone = func() { once.Do(func() { close(m.gate) }) }
	if sent, err := env.w.Drain(context.Background()); err != nil || sent != rows {
		t.Fatalf("Drain: sent %d, %v; want %d", sent, err, rows)
	}
	if n := env.q.DoneCalls; n != rows/markChunk {
		t.Errorf("%d transactions marked %d rows, want one each %d", n, rows, markChunk)
	}
}

// TestWorker_RenewsClaimsWhileSending: with several gateways on one
// database a batch's rows are claimed for a while, and a batch that runs
// longer renews the claims of all its rows, so another gateway does not
// send them too. The mailer holds every send until a renewal has come.
func TestWorker_RenewsClaimsWhileSending(t *testing.T) {
	m := &gateMailer{gate: make(chan struct{}), why: "the batch's claims were not renewed while it ran"}
	env := MustWorker(t, func(o *Options, mm *Mailer) { *mm, o.ClaimRenew = m, 5*time.Millisecond })
	var want []int64
	for tk := int64(1); tk <= 3; tk++ {
		want = append(want, env.q.add(t, core.OutboxEmail, tk, testNotice(), t0))
	}
	var mu sync.Mutex
	var renewals [][]int64
	q := claimQueue{fakeQueue: env.q, onRenew: func(ids []int64) {
		mu.Lock()
		defer mu.Unlock()
		if renewals = append(renewals, ids); len(renewals) == 1 {
			close(m.gate)
		}
	}}
	env.w = NewWorker(q, m, env.w.sl, env.w.opts)
	env.drain(t, len(want))
	mu.Lock()
	defer mu.Unlock()
	if len(renewals) == 0 || !slices.Equal(renewals[0], want) {
		t.Fatalf("renewals %v, want the batch's rows %v", renewals, want)
	}
}

// TestWorker_WakeKeepsTicketOrder: a row that goes through after failing
// wakes its lane, so that the lane's failed rows are due at once. A
// ticket's later row in that batch, left unread while the lane was full,
// still waits for the ticket's failed row, which was not due when the
// batch was read and is not in it.
func TestWorker_WakeKeepsTicketOrder(t *testing.T) {
	const a, b, y = "t4.n1@support.example.com", "t4.n2@support.example.com", "t3.n1@support.example.com"
	m := &orderMailer{got: map[string][]string{}, fail: map[string]bool{}, maxDelay: time.Millisecond}
	env := MustWorker(t, func(o *Options, mm *Mailer) { *mm, o.Concurrency = m, 1 })
	failOnce := func(id string) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.fail[id] = true
	}
	mail := func(ticket int64, id string) int64 {
		n := testNotice()
		n.MessageID = id
		return env.q.add(t, core.OutboxEmail, ticket, n, env.clock.Now())
	}
	at := func(tm time.Time) { env.clock.Add(tm.Sub(env.clock.Now())) }

	// A fails twice, Y once: Y is due again before A.
	rowA := mail(4, a)
	failOnce(a)
	env.drain(t, 0)
	at(env.q.row(rowA).NextAttempt)
	failOnce(a)
	env.drain(t, 0)
	rowY := mail(3, y)
	failOnce(y)
	env.drain(t, 0)
	mail(4, b)
	at(env.q.row(rowY).NextAttempt)
	if next := env.q.row(rowA).NextAttempt; !next.After(env.clock.Now()) {
		t.Fatalf("A is due at %v, want after Y's retry at %v", next, env.clock.Now())
	}

	// Y goes through and wakes the lane: A goes in the same pass, B waits
	// for the next.
	for range 2 {
		if _, err := env.w.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := m.got["t4"]; !slices.Equal(got, []string{a, b}) {
		t.Fatalf("ticket 4 sent %v, want %s before %s", got, a, b)
	}
}
