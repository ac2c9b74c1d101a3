package mailauth

import (
	"context"
	"net"
	"testing"

	"helpdesk/internal/dnstest"
)

func TestVerifier_DMARC(t *testing.T) {
	const reject = "v=DMARC1; p=reject"
	zone := dnstest.Zone{
		// shop.example: SPF for 192.0.2.10, DKIM key, p=reject, sp=quarantine.
		"shop.example":               {TXT: []string{"v=spf1 ip4:192.0.2.10 -all"}},
		"bounce.shop.example":        {TXT: []string{"v=spf1 ip4:192.0.2.11 -all"}},
		"ed._domainkey.shop.example": {TXT: []string{edKey().txt}},
		"_dmarc.shop.example":        {TXT: []string{"v=DMARC1; p=reject; sp=quarantine"}},
		// strict.example asks for strict alignment.
		"ed._domainkey.strict.example": {TXT: []string{edKey().txt}},
		"_dmarc.strict.example":        {TXT: []string{"v=DMARC1; p=reject; adkim=s; aspf=s"}},
		// other.example signs and passes SPF, but is not the From domain.
		"other.example":               {TXT: []string{"v=spf1 ip4:198.51.100.7 -all"}},
		"ed._domainkey.other.example": {TXT: []string{edKey().txt}},
		// norec.example has keys but no DMARC record.
		"ed._domainkey.norec.example": {TXT: []string{edKey().txt}},
		// flaky.example's DMARC and key lookups fail.
		"_dmarc.flaky.example":          {ServFail: true},
		"ed._domainkey.flaky.example":   {TXT: []string{edKey().txt}},
		"_dmarc.slowkey.example":        {TXT: []string{reject}},
		"ed._domainkey.slowkey.example": {ServFail: true},
		// broken.example publishes a record that does not parse.
		"_dmarc.broken.example": {TXT: []string{"v=DMARC1; p=maybe"}},
		// pnone.example monitors only.
		"_dmarc.pnone.example": {TXT: []string{"v=DMARC1; p=none"}},
	}
	v, _ := mustVerifier(t, zone, Options{})

	cases := []struct {
		name      string
		from      string // From address
		ip        string
		mailFrom  string
		signD     string // DKIM signing domain, "" for none
		dmarc     Outcome
		policy    Policy
		authentic bool
	}{
		{"PassAlignedDKIM", "alice@shop.example", "203.0.113.1", "x@other.example", "shop.example", Pass, PolicyReject, true},
		{"PassAlignedSPF", "alice@shop.example", "192.0.2.10", "x@shop.example", "", Pass, PolicyReject, true},
		{"PassRelaxedSPFSubdomain", "alice@shop.example", "192.0.2.11", "x@bounce.shop.example", "", Pass, PolicyReject, true},
		{"FailReject", "alice@shop.example", "198.51.100.7", "x@other.example", "other.example", Fail, PolicyReject, false},
		{"FailSPFNotAligned", "alice@shop.example", "198.51.100.7", "x@other.example", "", Fail, PolicyReject, false},
		{"SubdomainRelaxedViaOrgRecord", "news@mail.shop.example", "203.0.113.1", "x@other.example", "shop.example", Pass, PolicyQuarantine, true},
		{"SubdomainUnalignedUsesSP", "news@mail.shop.example", "198.51.100.7", "x@other.example", "other.example", Fail, PolicyQuarantine, false},
		{"StrictDKIMSubdomainFails", "news@mail.strict.example", "203.0.113.1", "", "strict.example", Fail, PolicyReject, false},
		{"StrictExactPasses", "news@strict.example", "203.0.113.1", "", "strict.example", Pass, PolicyReject, true},
		{"NoRecordAlignedDKIM", "bob@norec.example", "203.0.113.1", "", "norec.example", None, "", true},
		{"NoRecordUnaligned", "bob@norec.example", "198.51.100.7", "x@other.example", "other.example", None, "", false},
		{"NoRecordNothing", "bob@nowhere.example", "203.0.113.1", "", "", None, "", false},
		{"LookupTemperror", "bob@flaky.example", "203.0.113.1", "", "flaky.example", TempError, "", true},
		{"KeyTemperror", "bob@slowkey.example", "203.0.113.1", "", "slowkey.example", TempError, PolicyReject, false},
		{"MalformedRecordIsNone", "bob@broken.example", "203.0.113.1", "", "", None, "", false},
		{"PolicyNoneStillFails", "bob@pnone.example", "198.51.100.7", "x@other.example", "other.example", Fail, PolicyNone, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := fromMessage(c.from)
			if c.signD != "" {
				msg = mustSign(t, msg, c.signD, "ed", edKey())
			}
			got := v.Verify(context.Background(), Input{
				RemoteIP:   net.ParseIP(c.ip),
				HELO:       "mta.example",
				MailFrom:   c.mailFrom,
				Message:    []byte(msg),
				FromDomain: domainOf(c.from),
			})
			if got.DMARC != c.dmarc {
				t.Fatalf("dmarc=%v, want %v (result %+v)", got.DMARC, c.dmarc, got)
			}
			if got.Policy != c.policy {
				t.Fatalf("policy=%q, want %q", got.Policy, c.policy)
			}
			if got.Authenticated() != c.authentic {
				t.Fatalf("authenticated=%v, want %v (result %+v)", got.Authenticated(), c.authentic, got)
			}
			if got.Domain != domainOf(c.from) {
				t.Fatalf("domain=%q, want %q", got.Domain, domainOf(c.from))
			}
		})
	}
}
