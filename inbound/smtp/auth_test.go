package smtp

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/mailauth"
	"helpdesk/internal/dnstest"
)

// recorder is a Receiver that keeps the sender check of each mail.
type recorder struct {
	mu    sync.Mutex
	auths []*core.Auth
	chans []string
}

func (r *recorder) AcceptsRecipient(string) bool { return true }

func (r *recorder) Receive(_ context.Context, e *core.Email) (*core.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.auths, r.chans = append(r.auths, e.Auth), append(r.chans, e.Channel)
	return &core.Receipt{Outcome: core.OutcomeNew, Ticket: 1}, nil
}

func (r *recorder) last(t *testing.T) *core.Auth {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.auths) == 0 {
		t.Fatal("nothing received")
	}
	if c := r.chans[len(r.chans)-1]; c != "smtp" {
		t.Fatalf("channel %q, want smtp", c)
	}
	return r.auths[len(r.auths)-1]
}

func mustAuthServer(t *testing.T, dns string, opts Options) (*recorder, string) {
	t.Helper()
	res, err := mailauth.NewResolver(dns, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	opts.Verifier = mailauth.New(res, mailauth.Options{})
	rec := &recorder{}
	srv := New(rec, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return rec, ln.Addr().String()
}

// TestServer_SenderCheck: the listener checks SPF, DKIM and DMARC at the
// end of DATA and hands core the verdict (docs/rules.md §6).
func TestServer_SenderCheck(t *testing.T) {
	dns := dnstest.Start(t, dnstest.Zone{
		"shop.example":        {TXT: []string{"v=spf1 ip4:127.0.0.1 -all"}},
		"_dmarc.shop.example": {TXT: []string{"v=DMARC1; p=reject"}},
		"evil.example":        {TXT: []string{"v=spf1 ip4:192.0.2.1 -all"}},
	})
	rec, addr := mustAuthServer(t, dns.Addr(), Options{})
	if err := send(t, addr, "ann@shop.example", []string{"support@support.example.com"}, good); err != nil {
		t.Fatal(err)
	}
	if a := rec.last(t); !a.Authenticated() || a.DMARC != core.AuthPass || a.SPF != core.AuthPass || a.Domain != "shop.example" {
		t.Fatalf("auth %+v, want SPF and DMARC pass for shop.example", a)
	}
	forged := strings.Replace(good, "<m1@", "<m2@", 1)
	if err := send(t, addr, "eve@evil.example", []string{"support@support.example.com"}, forged); err != nil {
		t.Fatal(err)
	}
	if a := rec.last(t); a.Authenticated() || !a.Rejected() || a.SPF != core.AuthFail {
		t.Fatalf("auth %+v, want a rejected DMARC fail", a)
	}
}

// TestServer_SenderCheckDNSNeverAnswers: a DNS server that never answers
// costs a temperror within the receive deadline, not the SMTP session.
func TestServer_SenderCheckDNSNeverAnswers(t *testing.T) {
	dns := dnstest.StartUnresponsive(t)
	const deadline = 2 * time.Second
	rec, addr := mustAuthServer(t, dns.Addr(), Options{ReceiveTimeout: deadline})
	start := time.Now()
	if err := send(t, addr, "ann@shop.example", []string{"support@support.example.com"}, good); err != nil {
		t.Fatalf("answer %v, want 250", err)
	}
	if took := time.Since(start); took > deadline {
		t.Fatalf("the answer took %s, more than the receive deadline of %s", took, deadline)
	}
	if a := rec.last(t); a.Authenticated() || a.DMARC != core.AuthTempError {
		t.Fatalf("auth %+v, want DMARC temperror", a)
	}
	if dns.Queries() == 0 {
		t.Fatal("no DNS query was made")
	}
}

// TestServer_TrustedAuthenticationResults: with trusted_authserv_id the
// verdict of the MTA in front is taken from its field; a field from any
// other authserv-id is ignored, and the listener checks for itself.
func TestServer_TrustedAuthenticationResults(t *testing.T) {
	dns := dnstest.Start(t, dnstest.Zone{})
	rec, addr := mustAuthServer(t, dns.Addr(), Options{TrustedAuthservID: "mx.support.example.com"})
	withAR := func(id, verdict string) string {
		return "Authentication-Results: " + id + "; spf=pass smtp.mailfrom=ann@shop.example; dkim=none; dmarc=" +
			verdict + " header.from=shop.example\r\n" + strings.Replace(good, "<m1@", "<m-"+id+verdict+"@", 1)
	}
	if err := send(t, addr, "ann@shop.example", []string{"support@support.example.com"}, withAR("mx.support.example.com", "pass")); err != nil {
		t.Fatal(err)
	}
	if a := rec.last(t); !a.Authenticated() || a.DMARC != core.AuthPass {
		t.Fatalf("auth %+v, want the trusted DMARC pass", a)
	}
	queries := dns.Queries()
	if queries != 0 {
		t.Fatalf("%d DNS queries for a mail with a trusted verdict, want none", queries)
	}
	if err := send(t, addr, "ann@shop.example", []string{"support@support.example.com"}, withAR("forger.example", "pass")); err != nil {
		t.Fatal(err)
	}
	if a := rec.last(t); a.Authenticated() || a.DMARC != core.AuthNone {
		t.Fatalf("auth %+v, want our own check (nothing published: none)", a)
	}
}
