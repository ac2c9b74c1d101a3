package mail

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond; the budget's waiters block in goroutines, so the
// test has to see them queue.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBudget grants reservations while they fit, queues the rest in
// order, lets a mail larger than the budget take all of it, gives back
// what Shrink and Release free, and forgets a waiter whose context ends.
func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := NewBudget(100)
	a, err := b.Acquire(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	if used, _ := b.InUse(); used != 60 {
		t.Fatalf("used %d, want 60", used)
	}
	// 50 does not fit; 10 would, but waits behind it.
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[string]*Reservation{}
	for i, w := range []struct {
		name string
		n    int64
	}{{"fifty", 50}, {"ten", 10}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := b.Acquire(ctx, w.n)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[w.name] = r
			mu.Unlock()
		}()
		waitFor(t, "waiter "+w.name, func() bool { _, n := b.InUse(); return n == i+1 })
	}
	granted := func(name string) bool {
		mu.Lock()
		defer mu.Unlock()
		return got[name] != nil
	}
	a.Shrink(45) // 45 + 50 fit; 10 more do not
	waitFor(t, "fifty granted", func() bool { return granted("fifty") })
	if used, n := b.InUse(); used != 95 || n != 1 || granted("ten") {
		t.Fatalf("used %d waiting %d, want fifty granted (95) and ten waiting", used, n)
	}
	a.Release()
	a.Release() // twice is harmless
	wg.Wait()
	if used, _ := b.InUse(); used != 60 {
		t.Fatalf("used %d, want 60", used)
	}
	got["fifty"].Release()
	got["ten"].Release()
	if used, n := b.InUse(); used != 0 || n != 0 {
		t.Fatalf("used %d waiting %d after every release, want 0 0", used, n)
	}

	// Larger than the budget: takes it all, and waits for all of it.
	big, err := b.Acquire(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if used, _ := b.InUse(); used != 100 {
		t.Fatalf("used %d, want the whole budget", used)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() {
		_, err := b.Acquire(cctx, 1)
		done <- err
	}()
	waitFor(t, "the waiter", func() bool { _, n := b.InUse(); return n == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	big.Release()
	if used, n := b.InUse(); used != 0 || n != 0 {
		t.Fatalf("used %d waiting %d after a cancelled wait, want 0 0", used, n)
	}

	// No budget: everything at once.
	var none *Budget
	r, err := none.Acquire(ctx, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	r.Shrink(1)
	r.Release()
}

// TestBudget_Concurrent never lets more than the capacity be reserved,
// and leaves nothing behind, under many concurrent reservations (run it
// with -race).
func TestBudget_Concurrent(t *testing.T) {
	b := NewBudget(64)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				wctx := ctx
				if j%7 == 0 {
					var c context.CancelFunc
					wctx, c = context.WithTimeout(ctx, time.Microsecond)
					defer c()
				}
				r, err := b.Acquire(wctx, int64(1+(i*j)%40))
				if err != nil {
					continue
				}
				if used, _ := b.InUse(); used > 64 {
					t.Errorf("used %d over the capacity", used)
				}
				r.Shrink(int64(i % 5))
				r.Release()
			}
		}()
	}
	wg.Wait()
	if used, n := b.InUse(); used != 0 || n != 0 {
		t.Fatalf("used %d waiting %d at the end, want 0 0", used, n)
	}
}

// TestReservation_Grow: a reservation grows in turn, keeping what it
// holds while it waits; it stays as it was when its context ends first;
// it never grows past the capacity, and Release gives back all of it.
func TestReservation_Grow(t *testing.T) {
	ctx := context.Background()
	b := NewBudget(100)
	r, err := b.Acquire(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Acquire(ctx, 80)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := r.Grow(short, 50); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("grow past the free memory: %v, want the deadline", err)
	}
	if used, waiting := b.InUse(); used != 90 || waiting != 0 {
		t.Fatalf("after a failed grow: used %d, %d waiting; want 90, 0", used, waiting)
	}
	grown := make(chan error, 1)
	go func() { grown <- r.Grow(ctx, 50) }()
	waitFor(t, "the grow to queue", func() bool { _, n := b.InUse(); return n == 1 })
	// A later small reservation waits behind the grow.
	later := make(chan *Reservation, 1)
	go func() {
		x, _ := b.Acquire(ctx, 5)
		later <- x
	}()
	waitFor(t, "the later reservation to queue", func() bool { _, n := b.InUse(); return n == 2 })
	other.Release()
	if err := <-grown; err != nil {
		t.Fatal(err)
	}
	(<-later).Release()
	if used, _ := b.InUse(); used != 50 {
		t.Fatalf("after the grow: used %d, want 50", used)
	}
	if err := r.Grow(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	if used, _ := b.InUse(); used != 100 {
		t.Fatalf("grown past the capacity: used %d, want 100", used)
	}
	r.Release()
	if used, waiting := b.InUse(); used != 0 || waiting != 0 {
		t.Fatalf("after Release: used %d, %d waiting", used, waiting)
	}
}
