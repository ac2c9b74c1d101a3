// Package dnstest runs a real DNS server on loopback for tests.
//
// Mail authentication (SPF, DKIM, DMARC) is mostly DNS, and the libraries
// that implement it tell a temporary failure from a missing record by the
// *net.DNSError the stub resolver returns. A fake resolver interface would
// skip exactly that mapping, so tests point a real resolver at this server
// instead: it answers over UDP and TCP on one random 127.0.0.1 port from a
// Zone the test sets, and can be told to never answer at all, which is how a
// timeout is tested.
package dnstest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// MX is one mail exchanger of a name.
type MX struct {
	Pref uint16
	Host string
}

// Records are the resource records of one name. A name that is in the Zone
// but has no record of the asked type answers NOERROR with no answer
// (NODATA); a name that is not in the Zone answers NXDOMAIN.
type Records struct {
	// TXT values; one longer than 255 bytes is split into several
	// character-strings of one record, as a zone file would (DKIM RSA keys
	// are longer than that).
	TXT []string
	// A and AAAA hold IPv4 and IPv6 addresses in text form.
	A    []string
	AAAA []string
	MX   []MX
	// PTR holds host names, for names under in-addr.arpa or ip6.arpa.
	PTR []string
	// ServFail makes every query for the name answer SERVFAIL, the way a
	// broken authoritative server shows to a stub resolver.
	ServFail bool
}

// Zone maps a domain name (any case, trailing dot optional) to its records.
type Zone map[string]Records

// Options change how a Server behaves. The zero value answers from the zone.
type Options struct {
	// Unresponsive makes the server read every query and never answer,
	// over UDP and TCP, so a client can only give up by its deadline.
	Unresponsive bool
}

// Server is a DNS server on 127.0.0.1. Its zone may be changed while it
// runs; it is safe for concurrent use.
type Server struct {
	addr    string
	queries atomic.Int64

	mu   sync.RWMutex
	zone map[string]Records

	udp, tcp *dns.Server // nil when unresponsive
	pc       net.PacketConn
	ln       net.Listener
	wg       sync.WaitGroup
	conns    sync.Map // net.Conn held open by an unresponsive server
	closed   atomic.Bool
}

// NewServer starts a server answering from zone. Close it when done.
func NewServer(zone Zone, opts Options) (*Server, error) {
	pc, ln, err := listenPair()
	if err != nil {
		return nil, err
	}
	s := &Server{addr: pc.LocalAddr().String(), zone: map[string]Records{}, pc: pc, ln: ln}
	for name, rr := range zone {
		s.zone[canonical(name)] = rr
	}
	if opts.Unresponsive {
		s.swallow()
		return s, nil
	}
	h := dns.HandlerFunc(s.serveDNS)
	s.udp = &dns.Server{PacketConn: pc, Handler: h}
	s.tcp = &dns.Server{Listener: ln, Handler: h}
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		s.wg.Go(func() { _ = srv.ActivateAndServe() }) // returns when shut down
		<-started
	}
	return s, nil
}

// Start is NewServer for a test: it fails tb if the server cannot start and
// closes it when the test ends.
func Start(tb testing.TB, zone Zone) *Server {
	tb.Helper()
	return start(tb, zone, Options{})
}

// StartUnresponsive starts a server that never answers, closed when the
// test ends.
func StartUnresponsive(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, nil, Options{Unresponsive: true})
}

func start(tb testing.TB, zone Zone, opts Options) *Server {
	tb.Helper()
	s, err := NewServer(zone, opts)
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("dnstest: close: %v", err)
		}
	})
	return s
}

// Addr is the server's "127.0.0.1:port", the same port for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Queries counts the queries received so far, answered or not.
func (s *Server) Queries() int { return int(s.queries.Load()) }

// Set replaces the records of name.
func (s *Server) Set(name string, r Records) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zone[canonical(name)] = r
}

// Delete removes name, which then answers NXDOMAIN.
func (s *Server) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.zone, canonical(name))
}

// Close stops the server and waits for its goroutines.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	var errs []error
	if s.udp != nil {
		errs = append(errs, s.udp.Shutdown(), s.tcp.Shutdown())
	} else {
		errs = append(errs, s.pc.Close(), s.ln.Close())
		s.conns.Range(func(k, _ any) bool {
			_ = k.(net.Conn).Close() // only unblocks its reader
			return true
		})
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// listenPair binds UDP and TCP to one free loopback port. The kernel picks
// the UDP port; the same TCP port may be taken, so it tries a few times.
func listenPair() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnstest: listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		lastErr = err
		_ = pc.Close() // never used
	}
	return nil, nil, fmt.Errorf("dnstest: listen tcp on the udp port: %w", lastErr)
}

// swallow reads queries and drops them.
func (s *Server) swallow() {
	s.wg.Go(func() {
		buf := make([]byte, 65535)
		for {
			if _, _, err := s.pc.ReadFrom(buf); err != nil {
				return // closed
			}
			s.queries.Add(1)
		}
	})
	s.wg.Go(func() {
		for {
			c, err := s.ln.Accept()
			if err != nil {
				return // closed
			}
			s.conns.Store(c, nil)
			s.wg.Go(func() {
				defer c.Close()
				buf := make([]byte, 65535)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					s.queries.Add(1)
				}
			})
		}
	})
}

func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	s.queries.Add(1)
	m := new(dns.Msg)
	m.SetReply(req)
	// Go's stub resolver treats an empty answer that is neither
	// authoritative nor recursive as a lame referral, not as NODATA.
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(req.Question) != 1 {
		m.SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(m) // the client times out if this fails
		return
	}
	q := req.Question[0]
	s.mu.RLock()
	recs, ok := s.zone[canonical(q.Name)]
	s.mu.RUnlock()
	switch {
	case !ok:
		m.SetRcode(req, dns.RcodeNameError)
	case recs.ServFail:
		m.SetRcode(req, dns.RcodeServerFailure)
	default:
		m.Answer = answers(q, recs)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		// Over UDP an answer must fit the client's buffer; a truncated
		// one (TC set) sends the client to TCP, as with a real server.
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m) // the client times out if this fails
}

func answers(q dns.Question, r Records) []dns.RR {
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	var out []dns.RR
	switch q.Qtype {
	case dns.TypeTXT:
		for _, v := range r.TXT {
			out = append(out, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: split255(v)})
		}
	case dns.TypeA:
		for _, v := range r.A {
			if ip := net.ParseIP(v).To4(); ip != nil {
				out = append(out, &dns.A{Hdr: hdr(dns.TypeA), A: ip})
			}
		}
	case dns.TypeAAAA:
		for _, v := range r.AAAA {
			if ip := net.ParseIP(v); ip != nil && ip.To4() == nil {
				out = append(out, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: ip})
			}
		}
	case dns.TypeMX:
		for _, v := range r.MX {
			out = append(out, &dns.MX{Hdr: hdr(dns.TypeMX), Preference: v.Pref, Mx: dns.Fqdn(v.Host)})
		}
	case dns.TypePTR:
		for _, v := range r.PTR {
			out = append(out, &dns.PTR{Hdr: hdr(dns.TypePTR), Ptr: dns.Fqdn(v)})
		}
	}
	return out
}

// split255 cuts a TXT value into character-strings of at most 255 bytes;
// resolvers join them back into one value.
func split255(v string) []string {
	var out []string
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}

func canonical(name string) string {
	return dns.Fqdn(strings.ToLower(name))
}
