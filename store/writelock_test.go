package store

import (
	"runtime"
	"sync"
	"testing"
)

// TestWriteLock_UrgentFirst: with ordinary transactions queued behind a
// held lock, an urgent one that arrives later still goes next.
func TestWriteLock_UrgentFirst(t *testing.T) {
	var l writeLock
	l.lock(false)
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	waitQueued := func(n int) {
		for l.waiting() < n {
			runtime.Gosched()
		}
	}
	take := func(name string, urgent bool) {
		defer wg.Done()
		l.lock(urgent)
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		l.unlock()
	}
	// The urgent one queues between two ordinary ones: neither first
	// come nor last come (which the scheduler tends to run first).
	wg.Add(3)
	go take("ordinary 1", false)
	waitQueued(1)
	go take("urgent", true)
	waitQueued(2)
	go take("ordinary 2", false)
	waitQueued(3)
	l.unlock()
	wg.Wait()
	if len(order) != 3 || order[0] != "urgent" {
		t.Fatalf("order %v, want the urgent transaction first", order)
	}
}

// TestWriteLock_Exclusive: the lock is held by one transaction at a time.
func TestWriteLock_Exclusive(t *testing.T) {
	var l writeLock
	var inside, most int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.lock(i%5 == 0)
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			runtime.Gosched()
			mu.Lock()
			inside--
			mu.Unlock()
			l.unlock()
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("%d transactions held the lock at once", most)
	}
}
