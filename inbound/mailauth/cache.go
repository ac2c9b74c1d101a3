package mailauth

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero CacheOptions.
//
// net.Resolver does not expose the TTLs of the records it returns, so every
// answer is kept for a fixed time instead. A minute is shorter than nearly
// every published TTL (SPF, DKIM and DMARC records typically carry an hour
// or more), so a changed record is seen at most a minute late, while mail
// arriving again and again from the same domains is checked with no DNS
// traffic at all.
const (
	DefaultCacheTTL         = 60 * time.Second
	DefaultCacheNegativeTTL = 30 * time.Second
	DefaultCacheMaxEntries  = 10000
)

// CacheOptions tune a CachingResolver. The zero value of each field is
// documented.
type CacheOptions struct {
	// TTL is how long a successful answer (records, or none of the asked
	// type without an error) is kept. Zero means DefaultCacheTTL.
	TTL time.Duration
	// NegativeTTL is how long a "no such name / no records" answer, a
	// *net.DNSError with IsNotFound, is kept. Zero means
	// DefaultCacheNegativeTTL.
	NegativeTTL time.Duration
	// MaxEntries bounds the answers kept, one per query type and name; when
	// full, the entry inserted first is dropped. Zero means
	// DefaultCacheMaxEntries.
	MaxEntries int
	// Now is the clock that ages entries. Nil means time.Now.
	Now func() time.Time
}

// CachingResolver is a Resolver that keeps the answers of another one for
// a while. It is safe for concurrent use.
//
// Only answers are kept: records, and NXDOMAIN or NODATA reported as a
// *net.DNSError with IsNotFound. Timeouts, temporary failures (SERVFAIL),
// context errors and any other error are returned and not kept, so the
// next lookup asks again. Errors are returned as the wrapped resolver
// produced them, unwrapped (see Resolver). Concurrent lookups of the same
// type and name make one lookup of the wrapped resolver, whose answer or
// error they all get; each still returns when its own ctx ends. Names are
// compared without case and trailing dot. Returned slices are the
// caller's to modify.
type CachingResolver struct {
	r      Resolver
	ttl    time.Duration
	negTTL time.Duration
	now    func() time.Time

	mu       sync.Mutex
	entries  map[cacheKey]*cacheEntry
	ring     []cacheKey // keys in insertion order, oldest at next once full
	next     int
	inflight map[cacheKey]*cacheCall
}

var _ Resolver = (*CachingResolver)(nil)

type queryType uint8

const (
	queryTXT queryType = iota
	queryMX
	queryIP
	queryPTR
)

type cacheKey struct {
	typ  queryType
	name string
}

type cacheEntry struct {
	val     any // []string, []*net.MX or []net.IPAddr; nil with err
	err     error
	expires time.Time
}

type cacheCall struct {
	done chan struct{} // closed when val and err are set
	val  any
	err  error
}

// NewCachingResolver returns a Resolver that asks r and keeps its answers
// as opts say.
func NewCachingResolver(r Resolver, opts CacheOptions) *CachingResolver {
	if opts.TTL <= 0 {
		opts.TTL = DefaultCacheTTL
	}
	if opts.NegativeTTL <= 0 {
		opts.NegativeTTL = DefaultCacheNegativeTTL
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultCacheMaxEntries
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &CachingResolver{
		r: r, ttl: opts.TTL, negTTL: opts.NegativeTTL, now: opts.Now,
		entries:  make(map[cacheKey]*cacheEntry),
		ring:     make([]cacheKey, 0, opts.MaxEntries),
		inflight: make(map[cacheKey]*cacheCall),
	}
}

// Len is the number of answers kept, expired ones included until they are
// replaced or evicted.
func (c *CachingResolver) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// LookupTXT implements Resolver.
func (c *CachingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return lookup(c, ctx, queryTXT, name, c.r.LookupTXT, slices.Clone[[]string])
}

// LookupMX implements Resolver.
func (c *CachingResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return lookup(c, ctx, queryMX, name, c.r.LookupMX, cloneMX)
}

// LookupIPAddr implements Resolver.
func (c *CachingResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return lookup(c, ctx, queryIP, host, c.r.LookupIPAddr, cloneIPAddrs)
}

// LookupAddr implements Resolver.
func (c *CachingResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return lookup(c, ctx, queryPTR, addr, c.r.LookupAddr, slices.Clone[[]string])
}

// lookup answers from the cache, waits for a lookup of the same key under
// way, or makes it. Values leave only through clone.
func lookup[T any](c *CachingResolver, ctx context.Context, typ queryType, name string,
	ask func(context.Context, string) ([]T, error), clone func([]T) []T) ([]T, error) {
	key := cacheKey{typ, strings.ToLower(strings.TrimSuffix(name, "."))}

	c.mu.Lock()
	if e, ok := c.entries[key]; ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return cloneAny(e.val, clone), e.err
	}
	if call, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
			return cloneAny(call.val, clone), call.err
		case <-ctx.Done():
			// The same error DNSResolver gives for a lookup cut short.
			return nil, &net.DNSError{Err: ctx.Err().Error(), Name: name, IsTimeout: true, IsTemporary: true}
		}
	}
	call := &cacheCall{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()

	val, err := ask(ctx, name)
	var stored any
	if val != nil {
		stored = clone(val) // the caller gets val and may change it
	}

	c.mu.Lock()
	call.val, call.err = stored, err
	delete(c.inflight, key)
	if ttl, ok := c.keepFor(err); ok {
		c.store(key, &cacheEntry{val: stored, err: err, expires: c.now().Add(ttl)})
	}
	c.mu.Unlock()
	close(call.done)
	return val, err
}

// keepFor says whether an answer with err is kept, and for how long.
func (c *CachingResolver) keepFor(err error) (time.Duration, bool) {
	if err == nil {
		return c.ttl, true
	}
	// Only a bare *net.DNSError, as the libraries see it (see Resolver).
	de, ok := err.(*net.DNSError)
	if ok && de.IsNotFound && !de.IsTimeout && !de.IsTemporary {
		return c.negTTL, true
	}
	return 0, false
}

// store puts e under key; c.mu is held. A key already kept (expired) is
// replaced in place; a new one takes the oldest one's place once full, so
// the map and ring always hold the same keys.
func (c *CachingResolver) store(key cacheKey, e *cacheEntry) {
	if _, ok := c.entries[key]; ok {
		c.entries[key] = e
		return
	}
	if len(c.ring) < cap(c.ring) {
		c.ring = append(c.ring, key)
	} else {
		delete(c.entries, c.ring[c.next])
		c.ring[c.next] = key
		c.next = (c.next + 1) % len(c.ring)
	}
	c.entries[key] = e
}

func cloneAny[T any](v any, clone func([]T) []T) []T {
	if v == nil {
		return nil
	}
	return clone(v.([]T))
}

func cloneMX(mx []*net.MX) []*net.MX {
	out := make([]*net.MX, len(mx))
	for i, m := range mx {
		if m != nil {
			c := *m
			out[i] = &c
		}
	}
	return out
}

func cloneIPAddrs(ips []net.IPAddr) []net.IPAddr {
	out := make([]net.IPAddr, len(ips))
	for i, ip := range ips {
		out[i] = net.IPAddr{IP: slices.Clone(ip.IP), Zone: ip.Zone}
	}
	return out
}
