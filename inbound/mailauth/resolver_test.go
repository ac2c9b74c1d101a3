package mailauth

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"helpdesk/internal/dnstest"
)

func TestNewResolver_Server(t *testing.T) {
	cases := []struct {
		in, want string
		err      bool
	}{
		{"127.0.0.1:5353", "127.0.0.1:5353", false},
		{"127.0.0.1", "127.0.0.1:53", false},
		{"[::1]:53", "[::1]:53", false},
		{"::1", "[::1]:53", false},
		{"dns.example", "dns.example:53", false},
		{"dns.example:5353", "dns.example:5353", false},
		{"udp://dns.example", "", true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := serverAddr(c.in)
			if (err != nil) != c.err {
				t.Fatalf("err=%v, want error %v", err, c.err)
			}
			if got != c.want {
				t.Fatalf("addr=%q, want %q", got, c.want)
			}
		})
	}
}

func TestDNSResolver_Lookups(t *testing.T) {
	long := "v=DKIM1; k=rsa; p=" + strings.Repeat("A", 400)
	srv := dnstest.Start(t, dnstest.Zone{
		"txt.example":            {TXT: []string{long}},
		"mx.example":             {MX: []dnstest.MX{{Pref: 10, Host: "in.mx.example"}}},
		"host.example":           {A: []string{"192.0.2.1"}, AAAA: []string{"2001:db8::1"}},
		"empty.example":          {},
		"fail.example":           {ServFail: true},
		"1.2.0.192.in-addr.arpa": {PTR: []string{"host.example"}},
	})
	r := mustResolver(t, srv.Addr(), 0)
	ctx := context.Background()

	txt, err := r.LookupTXT(ctx, "TXT.example")
	if err != nil || len(txt) != 1 || txt[0] != long {
		t.Fatalf("txt=%q, err=%v; want the 400+ byte value joined", txt, err)
	}
	mx, err := r.LookupMX(ctx, "mx.example")
	if err != nil || len(mx) != 1 || mx[0].Host != "in.mx.example." {
		t.Fatalf("mx=%v, err=%v", mx, err)
	}
	ips, err := r.LookupIPAddr(ctx, "host.example")
	var got []string
	for _, ip := range ips {
		got = append(got, ip.IP.String())
	}
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"192.0.2.1", "2001:db8::1"}) {
		t.Fatalf("ips=%v, err=%v", got, err)
	}
	names, err := r.LookupAddr(ctx, "192.0.2.1")
	if err != nil || !slices.Equal(names, []string{"host.example."}) {
		t.Fatalf("ptr=%v, err=%v", names, err)
	}

	var de *net.DNSError
	_, err = r.LookupTXT(ctx, "missing.example")
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Fatalf("missing: err=%#v, want NotFound DNSError", err)
	}
	txt, err = r.LookupTXT(ctx, "empty.example")
	if len(txt) != 0 || (err != nil && !errors.As(err, &de)) {
		t.Fatalf("empty: txt=%v, err=%v", txt, err)
	}
	_, err = r.LookupTXT(ctx, "fail.example")
	if de, ok := err.(*net.DNSError); !ok || !de.Temporary() {
		t.Fatalf("servfail: err=%#v, want a temporary *net.DNSError, unwrapped", err)
	}
}

// A server that never answers costs no more than the deadline, and the
// error is one the SPF, DKIM and DMARC libraries read as temporary.
func TestDNSResolver_Unresponsive(t *testing.T) {
	srv := dnstest.StartUnresponsive(t)
	cases := []struct {
		name    string
		ctx     time.Duration // 0: no deadline on ctx
		timeout time.Duration
	}{
		{"CtxDeadline", 300 * time.Millisecond, time.Minute},
		{"OwnTimeout", 0, 300 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mustResolver(t, srv.Addr(), c.timeout)
			ctx := context.Background()
			if c.ctx > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.ctx)
				defer cancel()
			}
			start := time.Now()
			_, err := r.LookupTXT(ctx, "shop.example")
			elapsed := time.Since(start)
			if de, ok := err.(*net.DNSError); !ok || !de.Temporary() {
				t.Fatalf("err=%#v, want a temporary *net.DNSError", err)
			}
			if elapsed > 300*time.Millisecond+slack {
				t.Fatalf("took %v, want about 300ms", elapsed)
			}
		})
	}
	if srv.Queries() == 0 {
		t.Fatalf("the server saw no query; the resolver asked someone else")
	}
}

// slack is what a loaded CI machine may add to a deadline.
const slack = 400 * time.Millisecond

func TestVerifier_Unresponsive(t *testing.T) {
	srv := dnstest.StartUnresponsive(t)
	v := New(mustResolver(t, srv.Addr(), 0), Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()

	start := time.Now()
	got := v.Verify(ctx, Input{
		RemoteIP:   net.ParseIP("192.0.2.10"),
		HELO:       "mta.shop.example",
		MailFrom:   "alice@shop.example",
		Message:    []byte(mustSign(t, testMessage, "shop.example", "ed", edKey())),
		FromDomain: "shop.example",
	})
	elapsed := time.Since(start)
	want := Result{DMARC: TempError, SPF: TempError, DKIM: TempError, Domain: "shop.example", SPFDomain: "shop.example"}
	if got.DMARC != want.DMARC || got.SPF != want.SPF || got.DKIM != want.DKIM || got.Domain != want.Domain {
		t.Fatalf("result=%+v, want %+v", got, want)
	}
	if got.Authenticated() {
		t.Fatalf("authenticated=true, want false")
	}
	if elapsed > 300*time.Millisecond+slack {
		t.Fatalf("took %v, want about 300ms", elapsed)
	}
}
