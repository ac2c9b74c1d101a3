package mailauth

import (
	"reflect"
	"testing"
)

func TestFromAuthenticationResults(t *testing.T) {
	const trusted = "mx.desk.example"
	pass := "mx.desk.example;\r\n\tspf=pass smtp.mailfrom=bounce@bounce.shop.example;\r\n\tdkim=pass header.d=shop.example header.i=@shop.example;\r\n\tdmarc=pass (p=REJECT; sp=REJECT dis=NONE) header.from=shop.example"
	failing := "mx.desk.example; spf=softfail smtp.mailfrom=x@evil.example; dkim=none; dmarc=fail header.from=shop.example"

	cases := []struct {
		name   string
		values []string
		id     string
		ok     bool
		want   Result
		auth   bool
	}{
		{
			name: "Trusted", values: []string{pass}, id: trusted, ok: true, auth: true,
			want: Result{DMARC: Pass, SPF: Pass, DKIM: Pass, Domain: "shop.example", SPFDomain: "bounce.shop.example", DKIMDomains: []string{"shop.example"}},
		},
		{
			name: "IDCaseInsensitive", values: []string{pass}, id: "MX.Desk.Example", ok: true, auth: true,
			want: Result{DMARC: Pass, SPF: Pass, DKIM: Pass, Domain: "shop.example", SPFDomain: "bounce.shop.example", DKIMDomains: []string{"shop.example"}},
		},
		{name: "Untrusted", values: []string{pass}, id: "mx.other.example", ok: false},
		{name: "NoneTrustedConfigured", values: []string{pass}, id: "", ok: false},
		{name: "NoHeader", values: nil, id: trusted, ok: false},
		{
			// The MTA's own field is on top; a forged one with the same
			// id came with the message, below it.
			name: "ForgedBelowIgnored", values: []string{failing, pass}, id: trusted, ok: true, auth: false,
			want: Result{DMARC: Fail, SPF: Fail, DKIM: None, Domain: "shop.example", SPFDomain: "evil.example"},
		},
		{
			// Fields from other hosts, wherever they are, are skipped.
			name: "OtherIDsSkipped", values: []string{"mx.evil.example; dmarc=pass header.from=shop.example", failing}, id: trusted, ok: true,
			want: Result{DMARC: Fail, SPF: Fail, DKIM: None, Domain: "shop.example", SPFDomain: "evil.example"},
		},
		{
			name: "NoResults", values: []string{"mx.desk.example; none"}, id: trusted, ok: true,
			want: Result{DMARC: None, SPF: None, DKIM: None},
		},
		{
			name: "Temperror", values: []string{"mx.desk.example 1; spf=temperror smtp.mailfrom=shop.example; dkim=temperror header.d=shop.example; dmarc=temperror header.from=shop.example"}, id: trusted, ok: true,
			want: Result{DMARC: TempError, SPF: TempError, DKIM: TempError, Domain: "shop.example", SPFDomain: "shop.example"},
		},
		{
			// No DMARC record: an aligned DKIM pass still authenticates.
			name: "NoDMARCAlignedDKIM", values: []string{"mx.desk.example; spf=neutral smtp.mailfrom=a@shop.example; dkim=fail header.d=x.example; dkim=pass header.d=mail.shop.example; dmarc=none header.from=shop.example"}, id: trusted, ok: true, auth: true,
			want: Result{DMARC: None, SPF: None, DKIM: Pass, Domain: "shop.example", SPFDomain: "shop.example", DKIMDomains: []string{"mail.shop.example"}},
		},
		{name: "TrustedMalformed", values: []string{"mx.desk.example; dkim", pass}, id: trusted, ok: false},
		{name: "TrustedBadVersion", values: []string{"mx.desk.example 2; dkim=pass header.d=shop.example"}, id: trusted, ok: false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := FromAuthenticationResults(c.values, c.id)
			if ok != c.ok {
				t.Fatalf("ok=%v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("result=%+v\nwant   %+v", got, c.want)
			}
			if got.Authenticated() != c.auth {
				t.Fatalf("authenticated=%v, want %v", got.Authenticated(), c.auth)
			}
		})
	}
}

func TestStripComments(t *testing.T) {
	cases := map[string]string{
		"a (b) c":               "a   c",
		"a (b (c) d) e":         "a   e",
		`a "(not) a comment" b`: `a "(not) a comment" b`,
		`a (x \) y) b`:          "a   b",
		"dmarc=pass (p=REJECT; sp=NONE) header.from=x": "dmarc=pass   header.from=x",
	}
	for in, want := range cases {
		if got := stripComments(in); got != want {
			t.Errorf("stripComments(%q)=%q, want %q", in, got, want)
		}
	}
}
