package mailauth

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"helpdesk/internal/dnstest"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mustCache returns a CachingResolver over a real resolver asking srv, on a
// fake clock.
func mustCache(t *testing.T, srv *dnstest.Server, opts CacheOptions) (*CachingResolver, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	opts.Now = clock.Now
	return NewCachingResolver(mustResolver(t, srv.Addr(), 500*time.Millisecond), opts), clock
}

// mustQueries runs f and checks how many queries srv saw meanwhile: want
// exactly, or at least one when want is -1.
func mustQueries(t *testing.T, srv *dnstest.Server, want int, what string, f func()) {
	t.Helper()
	before := srv.Queries()
	f()
	got := srv.Queries() - before
	if want < 0 && got == 0 || want >= 0 && got != want {
		t.Fatalf("%s: queries=%d, want %d (-1: some)", what, got, want)
	}
}

func TestCachingResolver_TTL(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{"shop.example": {TXT: []string{"v=spf1 -all"}}})
	c, clock := mustCache(t, srv, CacheOptions{})
	ctx := context.Background()
	lookup := func() {
		txt, err := c.LookupTXT(ctx, "shop.example")
		if err != nil || !slices.Equal(txt, []string{"v=spf1 -all"}) {
			t.Fatalf("txt=%q, err=%v", txt, err)
		}
	}

	mustQueries(t, srv, 1, "first", lookup)
	mustQueries(t, srv, 0, "again", lookup)
	clock.Add(DefaultCacheTTL - time.Second)
	mustQueries(t, srv, 0, "within the TTL, other case and rooted", func() {
		if _, err := c.LookupTXT(ctx, "SHOP.example."); err != nil {
			t.Fatalf("err=%v", err)
		}
	})
	// Another type of the same name is another entry.
	mustQueries(t, srv, -1, "MX", func() { _, _ = c.LookupMX(ctx, "shop.example") })
	clock.Add(time.Second)
	mustQueries(t, srv, 1, "after the TTL", lookup)
	mustQueries(t, srv, 0, "refreshed", lookup)
}

func TestCachingResolver_NotFound(t *testing.T) {
	srv := dnstest.Start(t, nil)
	c, clock := mustCache(t, srv, CacheOptions{})
	ctx := context.Background()
	lookup := func() {
		_, err := c.LookupTXT(ctx, "_dmarc.missing.example")
		// Bare, as the SPF, DKIM and DMARC libraries type-assert it.
		if de, ok := err.(*net.DNSError); !ok || !de.IsNotFound || de.Temporary() {
			t.Fatalf("err=%#v, want a NotFound *net.DNSError, unwrapped", err)
		}
	}

	mustQueries(t, srv, -1, "first", lookup)
	mustQueries(t, srv, 0, "again", lookup)
	clock.Add(DefaultCacheNegativeTTL - time.Second)
	mustQueries(t, srv, 0, "within the negative TTL", lookup)
	clock.Add(time.Second)
	mustQueries(t, srv, -1, "after the negative TTL", lookup)

	// The record appears: seen once the negative answer expires.
	srv.Set("_dmarc.missing.example", dnstest.Records{TXT: []string{"v=DMARC1; p=none"}})
	mustQueries(t, srv, 0, "still negative", lookup)
	clock.Add(DefaultCacheNegativeTTL)
	mustQueries(t, srv, 1, "now found", func() {
		if txt, err := c.LookupTXT(ctx, "_dmarc.missing.example"); err != nil || len(txt) != 1 {
			t.Fatalf("txt=%q, err=%v", txt, err)
		}
	})
}

// Failures are returned as they were and never kept: the next lookup asks
// again.
func TestCachingResolver_FailuresNotCached(t *testing.T) {
	cases := []struct {
		name string
		srv  func(t *testing.T) *dnstest.Server
	}{
		{"ServFail", func(t *testing.T) *dnstest.Server {
			return dnstest.Start(t, dnstest.Zone{"shop.example": {ServFail: true}})
		}},
		{"Timeout", func(t *testing.T) *dnstest.Server { return dnstest.StartUnresponsive(t) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv(t)
			c, _ := mustCache(t, srv, CacheOptions{})
			lookup := func() {
				_, err := c.LookupTXT(context.Background(), "shop.example")
				if de, ok := err.(*net.DNSError); !ok || !de.Temporary() {
					t.Fatalf("err=%#v, want a temporary *net.DNSError, unwrapped", err)
				}
			}
			mustQueries(t, srv, -1, "first", lookup)
			mustQueries(t, srv, -1, "again", lookup)
			if n := c.Len(); n != 0 {
				t.Fatalf("len=%d, want 0", n)
			}
		})
	}
}

// A context error of a resolver that returns it as is (not a DNS answer) is
// not kept either.
func TestCachingResolver_ContextErrorNotCached(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{"shop.example": {TXT: []string{"v=spf1 -all"}}})
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr())
	}}
	c := NewCachingResolver(r, CacheOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.LookupTXT(ctx, "shop.example."); err == nil {
		t.Fatalf("err=nil with a cancelled ctx")
	}
	if n := c.Len(); n != 0 {
		t.Fatalf("len=%d, want 0", n)
	}
	mustQueries(t, srv, 1, "after the cancelled lookup", func() {
		if _, err := c.LookupTXT(context.Background(), "shop.example."); err != nil {
			t.Fatalf("err=%v", err)
		}
	})
}

// gateResolver holds every lookup until open is closed.
type gateResolver struct {
	Resolver
	open chan struct{}
}

func (g gateResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	<-g.open
	return g.Resolver.LookupTXT(ctx, name)
}

func TestCachingResolver_Coalesce(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{"shop.example": {TXT: []string{"v=spf1 -all"}}})
	gate := gateResolver{mustResolver(t, srv.Addr(), 0), make(chan struct{})}
	c := NewCachingResolver(gate, CacheOptions{})

	const n = 50
	var started, done sync.WaitGroup
	errs := make(chan error, n)
	started.Add(n)
	for range n {
		done.Go(func() {
			started.Done()
			txt, err := c.LookupTXT(context.Background(), "shop.example")
			if err == nil && !slices.Equal(txt, []string{"v=spf1 -all"}) {
				t.Errorf("txt=%q", txt)
			}
			errs <- err
		})
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let them reach the in-flight lookup
	close(gate.open)
	done.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("err=%v", err)
		}
	}
	if got := srv.Queries(); got != 1 {
		t.Fatalf("queries=%d, want 1", got)
	}
}

// A waiter whose ctx ends first returns then, with a temporary error.
func TestCachingResolver_WaiterCtx(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{"shop.example": {TXT: []string{"v=spf1 -all"}}})
	gate := gateResolver{mustResolver(t, srv.Addr(), 0), make(chan struct{})}
	c := NewCachingResolver(gate, CacheOptions{})
	leader := make(chan error)
	go func() {
		_, err := c.LookupTXT(context.Background(), "shop.example")
		leader <- err
	}()
	for {
		c.mu.Lock()
		n := len(c.inflight)
		c.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.LookupTXT(ctx, "shop.example")
	if de, ok := err.(*net.DNSError); !ok || !de.Temporary() {
		t.Fatalf("waiter: err=%#v, want a temporary *net.DNSError", err)
	}
	close(gate.open)
	if err := <-leader; err != nil {
		t.Fatalf("leader: err=%v", err)
	}
}

func TestCachingResolver_Evicts(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{
		"a.example": {TXT: []string{"a"}},
		"b.example": {TXT: []string{"b"}},
		"c.example": {TXT: []string{"c"}},
	})
	c, _ := mustCache(t, srv, CacheOptions{MaxEntries: 2})
	ctx := context.Background()
	lookup := func(name string) func() {
		return func() {
			if _, err := c.LookupTXT(ctx, name); err != nil {
				t.Fatalf("%s: err=%v", name, err)
			}
		}
	}
	for _, name := range []string{"a.example", "b.example", "c.example"} {
		mustQueries(t, srv, 1, name, lookup(name))
	}
	if n := c.Len(); n != 2 {
		t.Fatalf("len=%d, want 2", n)
	}
	mustQueries(t, srv, 1, "a, the oldest, evicted", lookup("a.example"))
	mustQueries(t, srv, 0, "c kept", lookup("c.example"))
	mustQueries(t, srv, 1, "b evicted for a", lookup("b.example"))
	if n := c.Len(); n != 2 {
		t.Fatalf("len=%d, want 2", n)
	}
}

// Callers own what they get: changing it changes neither the cache nor
// what the next caller gets.
func TestCachingResolver_Copies(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{
		"shop.example":           {TXT: []string{"v=spf1 -all"}, MX: []dnstest.MX{{Pref: 10, Host: "mx.shop.example"}}},
		"mx.shop.example":        {A: []string{"192.0.2.1"}},
		"1.2.0.192.in-addr.arpa": {PTR: []string{"mx.shop.example"}},
	})
	c, _ := mustCache(t, srv, CacheOptions{})
	ctx := context.Background()
	for range 2 { // from the lookup, then from the cache
		txt, err := c.LookupTXT(ctx, "shop.example")
		if err != nil || !slices.Equal(txt, []string{"v=spf1 -all"}) {
			t.Fatalf("txt=%q, err=%v", txt, err)
		}
		txt[0] = "changed"
		mx, err := c.LookupMX(ctx, "shop.example")
		if err != nil || len(mx) != 1 || mx[0].Host != "mx.shop.example." {
			t.Fatalf("mx=%v, err=%v", mx, err)
		}
		mx[0].Host = "changed"
		ips, err := c.LookupIPAddr(ctx, "mx.shop.example")
		if err != nil || len(ips) != 1 || ips[0].IP.String() != "192.0.2.1" {
			t.Fatalf("ips=%v, err=%v", ips, err)
		}
		ips[0].IP[len(ips[0].IP)-1] = 99
		names, err := c.LookupAddr(ctx, "192.0.2.1")
		if err != nil || !slices.Equal(names, []string{"mx.shop.example."}) {
			t.Fatalf("ptr=%v, err=%v", names, err)
		}
		names[0] = "changed"
	}
}

// The same mail checked twice asks DNS nothing the second time, and gets
// the same result.
func TestCachingResolver_Verify(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{
		// SPF through an include: and an mx mechanism, several lookups.
		"shop.example":               {TXT: []string{"v=spf1 include:_spf.shop.example mx -all"}, MX: []dnstest.MX{{Pref: 10, Host: "mx.shop.example"}}},
		"_spf.shop.example":          {TXT: []string{"v=spf1 ip4:198.51.100.0/24 -all"}},
		"mx.shop.example":            {A: []string{"192.0.2.10"}},
		"ed._domainkey.shop.example": {TXT: []string{edKey().txt}},
		"_dmarc.shop.example":        {TXT: []string{"v=DMARC1; p=reject"}},
	})
	c, _ := mustCache(t, srv, CacheOptions{})
	v := New(c, Options{})
	in := Input{
		RemoteIP:   net.ParseIP("192.0.2.10"),
		HELO:       "mx.shop.example",
		MailFrom:   "alice@shop.example",
		Message:    []byte(mustSign(t, testMessage, "shop.example", "ed", edKey())),
		FromDomain: "shop.example",
	}
	want := Result{DMARC: Pass, SPF: Pass, DKIM: Pass, Policy: PolicyReject}
	for i, wantQueries := range []int{-1, 0} {
		var got Result
		mustQueries(t, srv, wantQueries, "verify", func() { got = v.Verify(context.Background(), in) })
		if got.DMARC != want.DMARC || got.SPF != want.SPF || got.DKIM != want.DKIM || got.Policy != want.Policy {
			t.Fatalf("verify %d: result=%+v, want %+v", i+1, got, want)
		}
	}
}
