package smtp

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// peerIP is the address a connection comes from, without the port; it is
// the key of the per-IP limits.
func peerIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitKey is what the per-IP limits count by: the address, or for IPv6
// its /64, which is what one host or customer line is usually given (so
// hopping between its addresses gains nothing).
func limitKey(ip string) string {
	p := net.ParseIP(ip)
	if p == nil || p.To4() != nil {
		return ip
	}
	return p.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func isLoopbackIP(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}

// connCounter counts open connections per IP.
type connCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// acquire takes a slot for ip unless max are taken already (max <= 0: no
// limit).
func (c *connCounter) acquire(ip string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if max > 0 && c.n[ip] >= max {
		return false
	}
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[ip]++
	return true
}

func (c *connCounter) release(ip string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[ip]--; c.n[ip] <= 0 {
		delete(c.n, ip)
	}
}

// rateWindow is a sliding window (a minute unless span says otherwise)
// of events per key: message attempts, failed logins.
type rateWindow struct {
	span      time.Duration
	mu        sync.Mutex
	seen      map[string][]time.Time
	lastSweep time.Time
}

const rateSpan = time.Minute

// allow records an attempt from key at now and says whether it is within
// max a window (max <= 0: no limit). A refused attempt is not recorded,
// so a client that keeps trying too fast is let in again as soon as its
// older messages leave the window.
func (r *rateWindow) allow(key string, now time.Time, max int) bool {
	if max <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.recent(key, now)) >= max {
		return false
	}
	r.seen[key] = append(r.seen[key], now)
	return true
}

// full says whether key has max events in the window at now (max <= 0:
// never).
func (r *rateWindow) full(key string, now time.Time, max int) bool {
	if max <= 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recent(key, now)) >= max
}

// add records an event of key at now.
func (r *rateWindow) add(key string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[key] = append(r.recent(key, now), now)
}

// recent drops key's events older than the window and returns the rest;
// r.mu is held.
func (r *rateWindow) recent(key string, now time.Time) []time.Time {
	span := r.span
	if span == 0 {
		span = rateSpan
	}
	if r.seen == nil {
		r.seen = map[string][]time.Time{}
	}
	cut := now.Add(-span)
	if now.Sub(r.lastSweep) >= span {
		// Forget idle peers so the map does not grow with every address
		// that ever connected.
		for k, ts := range r.seen {
			if len(ts) == 0 || !ts[len(ts)-1].After(cut) {
				delete(r.seen, k)
			}
		}
		r.lastSweep = now
	}
	ts := r.seen[key]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	ts = ts[i:]
	r.seen[key] = ts
	return ts
}

// limitListener enforces the connection limits, the server's and the
// per-IP one, before go-smtp sees a connection: a connection over either
// gets a 421 greeting and is disconnected.
type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := peerIP(c.RemoteAddr())
		if !l.s.total.acquire("", l.s.opts.MaxConns) {
			l.s.log.Warn("connection refused: too many connections", "remote", ip, "limit", l.s.opts.MaxConns)
			go l.s.refuseConn(c, fmt.Sprintf("Too many connections at the moment (at most %d), try again later", l.s.opts.MaxConns))
			continue
		}
		releaseTotal := func() { l.s.total.release("") }
		if !l.s.limited(ip) {
			return &countedConn{Conn: c, release: releaseTotal}, nil
		}
		max, key := l.s.opts.MaxConnsPerIP, limitKey(ip)
		if l.s.conns.acquire(key, max) {
			return &countedConn{Conn: c, release: func() { l.s.conns.release(key); releaseTotal() }}, nil
		}
		releaseTotal()
		l.s.log.Warn("connection refused: too many connections from one address", "remote", ip, "limit", max)
		go l.s.refuseConn(c, fmt.Sprintf("Too many connections from your address (at most %d at a time), try again later", max))
	}
}

// refuseConn answers 421 in place of the greeting (RFC 5321 §3.1) and
// hangs up; a well-behaved client comes back later.
func (s *Server) refuseConn(c net.Conn, why string) {
	defer c.Close()
	s.reply(421, ReasonTooManyConnections)
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "421 4.7.0 %s %s\r\n", s.opts.Hostname, why)
}

// countedConn gives its slot back when closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
