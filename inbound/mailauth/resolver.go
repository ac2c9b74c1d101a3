package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Resolver is the DNS the checks need. TXT is for SPF, DKIM keys and DMARC
// records; MX, IP and PTR lookups are what SPF's mx, a, exists and ptr
// mechanisms need. It is spf.DNSResolver, and *net.Resolver satisfies it.
//
// Errors must be *net.DNSError, unwrapped: the SPF, DKIM and DMARC
// libraries type-assert it to tell a missing record (IsNotFound: none or
// fail) from a temporary failure (Temporary(): temperror).
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// DefaultLookupTimeout bounds one lookup when NewResolver is given zero.
const DefaultLookupTimeout = 5 * time.Second

// DNSResolver is a Resolver over net.Resolver that asks one configured
// server, or the system's. Every lookup ends by the earlier of ctx's
// deadline and its own timeout, and a lookup cut short that way reports a
// temporary *net.DNSError, so a server that never answers yields temperror
// in time rather than holding the SMTP session.
type DNSResolver struct {
	r       *net.Resolver
	timeout time.Duration
}

var _ Resolver = (*DNSResolver)(nil)

// NewResolver returns a resolver asking server ("host:port", or "host" for
// port 53; the [auth] dns config key). An empty server uses the system's
// resolver configuration. timeout bounds each lookup; zero means
// DefaultLookupTimeout.
func NewResolver(server string, timeout time.Duration) (*DNSResolver, error) {
	if timeout <= 0 {
		timeout = DefaultLookupTimeout
	}
	r := &net.Resolver{}
	if server != "" {
		addr, err := serverAddr(server)
		if err != nil {
			return nil, err
		}
		r.PreferGo = true // only the Go resolver calls Dial
		r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}
	return &DNSResolver{r: r, timeout: timeout}, nil
}

func serverAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if ip := net.ParseIP(strings.Trim(s, "[]")); ip != nil {
			return net.JoinHostPort(ip.String(), "53"), nil
		}
		host, port = s, "53"
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 || host == "" || strings.ContainsAny(host, ":/ ") && net.ParseIP(host) == nil {
		return "", fmt.Errorf("mailauth: dns server %q: want host:port", s)
	}
	return net.JoinHostPort(host, port), nil
}

// LookupTXT implements Resolver.
func (d *DNSResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	txt, err := d.r.LookupTXT(ctx, rooted(name))
	return txt, d.check(ctx, name, err)
}

// LookupMX implements Resolver.
func (d *DNSResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	mx, err := d.r.LookupMX(ctx, rooted(name))
	return mx, d.check(ctx, name, err)
}

// LookupIPAddr implements Resolver.
func (d *DNSResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	ips, err := d.r.LookupIPAddr(ctx, rooted(host))
	return ips, d.check(ctx, host, err)
}

// LookupAddr implements Resolver.
func (d *DNSResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	names, err := d.r.LookupAddr(ctx, addr)
	return names, d.check(ctx, addr, err)
}

// rooted makes name absolute, so the search domains of resolv.conf are never
// appended to a name a sender chose.
func rooted(name string) string {
	if name == "" || strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// check makes sure a lookup that ran out of time, or failed some other way
// than a DNS answer, reports a temporary *net.DNSError. Wrapping it would
// hide it from the libraries' type assertions (see Resolver).
func (d *DNSResolver) check(ctx context.Context, name string, err error) error {
	if err == nil {
		return nil
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		if ctx.Err() != nil && !de.Temporary() && !de.IsNotFound {
			c := *de
			c.IsTimeout, c.IsTemporary = true, true
			return &c
		}
		return de
	}
	return &net.DNSError{Err: err.Error(), Name: name, IsTemporary: true, IsTimeout: ctx.Err() != nil}
}
