package outbound

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"
)

// numbered is a small message told apart by its Message-ID.
func numbered(i int) []byte {
	return fmt.Appendf(nil, "From: support@support.example.com\r\nMessage-ID: <%d@pool.test>\r\nSubject: n\r\n\r\nmessage %d\r\n", i, i)
}

var poolID = regexp.MustCompile(`Message-ID: <(\d+)@pool.test>`)

// wantEachOnce checks the relay took messages 0..n-1, each once.
func wantEachOnce(t *testing.T, be *smtpBackend, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, m := range be.received() {
		id := poolID.FindSubmatch(m.Data)
		if id == nil {
			t.Fatalf("mail without a numbered Message-ID:\n%s", m.Data)
		}
		seen[string(id[1])]++
	}
	for i := range n {
		if got := seen[fmt.Sprint(i)]; got != 1 {
			t.Errorf("message %d taken %d times, want 1", i, got)
		}
	}
	if len(seen) != n {
		t.Errorf("relay took %d distinct messages, want %d", len(seen), n)
	}
}

func poolRelay(addr string) *Relay {
	return &Relay{Addr: addr, LocalName: "helpdesk.test", Timeout: 5 * time.Second}
}

func mustSend(t *testing.T, r *Relay, i int) {
	t.Helper()
	if err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, numbered(i), fmt.Sprint(i)); err != nil {
		t.Fatalf("Send %d: %v", i, err)
	}
}

func TestRelay_ReusesConnection(t *testing.T) {
	be, addr := MustStartRelay(t)
	r := poolRelay(addr)
	for i := range 20 {
		mustSend(t, r, i)
	}
	if got := be.conns.Load(); got != 1 {
		t.Errorf("20 messages one after another took %d connections, want 1", got)
	}
	wantEachOnce(t, be, 20)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := be.waitQuits(t, 1); got != 1 {
		t.Errorf("Close sent %d QUITs, want 1", got)
	}
}

func TestRelay_ConcurrentSends(t *testing.T) {
	for _, tc := range []struct {
		name             string
		senders, maxIdle int
	}{
		// As many idle sessions as senders: no connection is ever
		// closed, so none is opened beyond one a sender.
		{"PoolFitsSenders", 4, 4},
		// A smaller pool closes what does not fit.
		{"PoolSmaller", 6, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be, addr := MustStartRelay(t)
			r := poolRelay(addr)
			r.MaxIdle = tc.maxIdle
			const n = 120
			next := make(chan int)
			var wg sync.WaitGroup
			for range tc.senders {
				wg.Go(func() {
					for i := range next {
						if err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, numbered(i), fmt.Sprint(i)); err != nil {
							t.Errorf("Send %d: %v", i, err)
						}
					}
				})
			}
			for i := range n {
				next <- i
			}
			close(next)
			wg.Wait()
			wantEachOnce(t, be, n)
			if tc.maxIdle >= tc.senders {
				if got := be.conns.Load(); got > int64(tc.senders) {
					t.Errorf("%d senders used %d connections", tc.senders, got)
				}
			}
			r.pool.mu.Lock()
			idle := len(r.pool.idle)
			r.pool.mu.Unlock()
			if idle > tc.maxIdle {
				t.Errorf("%d idle sessions, bound %d", idle, tc.maxIdle)
			}
			r.Close()
		})
	}
}

func TestRelay_ReusedSessionGone(t *testing.T) {
	t.Run("HungUpWhileIdle", func(t *testing.T) {
		be, addr := MustStartRelay(t)
		be.HangUp.Store(true)
		r := poolRelay(addr)
		defer r.Close()
		for i := range 5 {
			mustSend(t, r, i)
		}
		wantEachOnce(t, be, 5)
		if got := be.conns.Load(); got != 5 {
			t.Errorf("connections = %d, want 5 (one a message)", got)
		}
	})

	t.Run("421AtMail", func(t *testing.T) {
		be, addr := MustStartRelay(t)
		r := poolRelay(addr)
		defer r.Close()
		mustSend(t, r, 0)
		be.Mail421.Store(true)
		mustSend(t, r, 1)
		wantEachOnce(t, be, 2)
		if got := be.conns.Load(); got != 2 {
			t.Errorf("connections = %d, want 2", got)
		}
	})

	t.Run("421OnFreshIsNotRetried", func(t *testing.T) {
		be, addr := MustStartRelay(t)
		be.Mail421.Store(true)
		r := poolRelay(addr)
		defer r.Close()
		err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, numbered(0), "0")
		if err == nil || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary error", err)
		}
		if got := be.mailCmds.Load(); got != 1 {
			t.Errorf("MAIL sent %d times, want 1", got)
		}
	})

	t.Run("RefusedAfterBodyIsNotResent", func(t *testing.T) {
		// An answer to the final dot is the relay's word on the message:
		// a 451 there stays a temporary error, with no second try.
		be, addr := MustStartRelay(t)
		r := poolRelay(addr)
		defer r.Close()
		mustSend(t, r, 0)
		be.setCode(451)
		err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, numbered(1), "1")
		if err == nil || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary error", err)
		}
		if got := be.mailCmds.Load(); got != 2 {
			t.Errorf("MAIL sent %d times, want 2", got)
		}
		be.setCode(0)
		mustSend(t, r, 2)
		if got := be.conns.Load(); got != 1 {
			t.Errorf("connections = %d, want 1", got)
		}
	})
}

func TestRelay_RcptRefusedOnReusedSession(t *testing.T) {
	be, addr := MustStartRelay(t)
	r := poolRelay(addr)
	defer r.Close()
	mustSend(t, r, 0)
	be.refuseRcpt("gone@customer.test")
	err := r.Send(context.Background(), testFrom.Addr, []string{"gone@customer.test"}, numbered(1), "1")
	if !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error", err)
	}
	mustSend(t, r, 2)
	if got := be.aborted.Load(); got != 1 {
		t.Errorf("transactions dropped with RSET = %d, want 1", got)
	}
	if got := be.conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}
	if got := len(be.received()); got != 2 {
		t.Errorf("relay took %d mails, want 2", got)
	}
}

func TestRelay_MaxMessages(t *testing.T) {
	be, addr := MustStartRelay(t)
	r := poolRelay(addr)
	r.MaxMessages = 3
	defer r.Close()
	for i := range 7 {
		mustSend(t, r, i)
	}
	wantEachOnce(t, be, 7)
	if got := be.conns.Load(); got != 3 {
		t.Errorf("connections = %d, want 3 (3 + 3 + 1 messages)", got)
	}
	if got := be.waitQuits(t, 2); got != 2 {
		t.Errorf("QUITs = %d, want 2 (the two full connections)", got)
	}
}

func TestRelay_IdleTimeout(t *testing.T) {
	be, addr := MustStartRelay(t)
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	r := poolRelay(addr)
	r.IdleTimeout = time.Minute
	r.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	defer r.Close()

	mustSend(t, r, 0)
	advance(59 * time.Second)
	mustSend(t, r, 1) // within the limit: the same connection
	if got := be.conns.Load(); got != 1 {
		t.Fatalf("connections = %d, want 1", got)
	}
	advance(time.Minute)
	mustSend(t, r, 2) // the idle one is closed, a fresh one dialed
	if got, quits := be.conns.Load(), be.waitQuits(t, 1); got != 2 || quits != 1 {
		t.Errorf("connections = %d, QUITs = %d; want 2, 1", got, quits)
	}

	// The reaper closes what stays idle, without a Send.
	advance(30 * time.Second)
	r.reap()
	if n := idleCount(r); n != 1 {
		t.Fatalf("after half the limit %d idle, want 1", n)
	}
	advance(30 * time.Second)
	r.reap()
	if n := idleCount(r); n != 0 {
		t.Errorf("after the limit %d idle, want 0", n)
	}
	if got := be.waitQuits(t, 1); got != 2 {
		t.Errorf("QUITs = %d, want 2", got)
	}
	wantEachOnce(t, be, 3)
}

func idleCount(r *Relay) int {
	r.pool.mu.Lock()
	defer r.pool.mu.Unlock()
	return len(r.pool.idle)
}

func TestRelay_CanceledContextLeavesSessionUsable(t *testing.T) {
	// A pooled session must not stay armed with the context of the Send
	// that last used it.
	be, addr := MustStartRelay(t)
	r := poolRelay(addr)
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Send(ctx, testFrom.Addr, []string{"ann@customer.test"}, numbered(0), "0"); err != nil {
		t.Fatal(err)
	}
	cancel()
	mustSend(t, r, 1)
	if got := be.conns.Load(); got != 1 {
		t.Errorf("connections = %d, want 1", got)
	}
	wantEachOnce(t, be, 2)
}

func TestRelay_NoReuse(t *testing.T) {
	be, addr := MustStartRelay(t)
	r := poolRelay(addr)
	r.MaxIdle = -1
	for i := range 3 {
		mustSend(t, r, i)
	}
	if got, quits := be.conns.Load(), be.waitQuits(t, 3); got != 3 || quits != 3 {
		t.Errorf("connections = %d, QUITs = %d; want 3, 3", got, quits)
	}
	wantEachOnce(t, be, 3)
}

func TestRelay_SendAfterClose(t *testing.T) {
	be, addr := MustStartRelay(t)
	r := poolRelay(addr)
	mustSend(t, r, 0)
	r.Close()
	mustSend(t, r, 1)
	if n := idleCount(r); n != 0 {
		t.Errorf("%d sessions kept after Close", n)
	}
	if got, quits := be.conns.Load(), be.waitQuits(t, 2); got != 2 || quits != 2 {
		t.Errorf("connections = %d, QUITs = %d; want 2, 2", got, quits)
	}
}
