package dnstest

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func exchange(t *testing.T, net, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	return exchangeSize(t, net, addr, name, qtype, 4096)
}

// exchangeSize queries with an EDNS0 buffer of size, none if 0.
func exchangeSize(t *testing.T, net, addr, name string, qtype uint16, size uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: net, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	if size > 0 {
		m.SetEdns0(size, false)
	}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s query %s: %v", net, name, err)
	}
	return r
}

func TestServer_Answers(t *testing.T) {
	long := strings.Repeat("k", 600)
	s := Start(t, Zone{
		"Shop.Example": {TXT: []string{"v=spf1 -all", long}, A: []string{"192.0.2.1"}},
		"sf.example":   {ServFail: true},
	})
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			r := exchange(t, network, s.Addr(), "shop.example", dns.TypeTXT)
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 2 {
				t.Fatalf("rcode=%d answers=%d, want success with 2", r.Rcode, len(r.Answer))
			}
			parts := r.Answer[1].(*dns.TXT).Txt
			if len(parts) != 3 || strings.Join(parts, "") != long {
				t.Fatalf("long TXT in %d strings, want 3 joining to the value", len(parts))
			}
			if r := exchange(t, network, s.Addr(), "shop.example", dns.TypeMX); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
				t.Fatalf("NODATA: rcode=%d answers=%d", r.Rcode, len(r.Answer))
			}
			if r := exchange(t, network, s.Addr(), "none.example", dns.TypeTXT); r.Rcode != dns.RcodeNameError {
				t.Fatalf("rcode=%d, want NXDOMAIN", r.Rcode)
			}
			if r := exchange(t, network, s.Addr(), "sf.example", dns.TypeTXT); r.Rcode != dns.RcodeServerFailure {
				t.Fatalf("rcode=%d, want SERVFAIL", r.Rcode)
			}
		})
	}

	// Without EDNS0 the 600-byte answer does not fit 512 bytes of UDP.
	if r := exchangeSize(t, "udp", s.Addr(), "shop.example", dns.TypeTXT, 0); !r.Truncated {
		t.Fatalf("big answer over plain UDP: TC not set")
	}

	s.Set("new.example", Records{A: []string{"192.0.2.7"}})
	if r := exchange(t, "udp", s.Addr(), "new.example", dns.TypeA); len(r.Answer) != 1 {
		t.Fatalf("after Set: %d answers, want 1", len(r.Answer))
	}
	s.Delete("new.example")
	if r := exchange(t, "udp", s.Addr(), "new.example", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("after Delete: rcode=%d, want NXDOMAIN", r.Rcode)
	}
	if s.Queries() != 11 {
		t.Fatalf("queries=%d, want 11", s.Queries())
	}
}

func TestServer_Unresponsive(t *testing.T) {
	s := StartUnresponsive(t)
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: 200 * time.Millisecond}
		m := new(dns.Msg)
		m.SetQuestion("shop.example.", dns.TypeTXT)
		if _, _, err := c.Exchange(m, s.Addr()); err == nil {
			t.Fatalf("%s: got an answer from an unresponsive server", network)
		}
	}
	if s.Queries() != 2 {
		t.Fatalf("queries=%d, want 2", s.Queries())
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}
