package mailauth

import (
	"context"
	"net"
	"testing"

	"helpdesk/internal/dnstest"
)

func TestVerifier_SPF(t *testing.T) {
	zone := dnstest.Zone{
		"pass.example":     {TXT: []string{"v=spf1 ip4:192.0.2.10 -all"}},
		"soft.example":     {TXT: []string{"v=spf1 ip4:192.0.2.10 ~all"}},
		"neutral.example":  {TXT: []string{"v=spf1 ?all"}},
		"broken.example":   {TXT: []string{"v=spf1 ip4:300.1.1.1 -all"}},
		"norecord.example": {A: []string{"192.0.2.99"}},
		"servfail.example": {ServFail: true},
		"amx.example":      {TXT: []string{"v=spf1 a mx -all"}, A: []string{"192.0.2.20"}, MX: []dnstest.MX{{Pref: 10, Host: "mx.amx.example"}}},
		"mx.amx.example":   {A: []string{"192.0.2.21"}},
		"helo.example":     {TXT: []string{"v=spf1 ip4:192.0.2.30 -all"}},
		"spf.other.test":   {TXT: []string{"v=spf1 include:pass.example -all"}},
	}
	v, _ := mustVerifier(t, zone, Options{})

	cases := []struct {
		name     string
		ip       string
		helo     string
		mailFrom string
		want     Outcome
		domain   string
	}{
		{"Pass", "192.0.2.10", "mta.pass.example", "bob@pass.example", Pass, "pass.example"},
		{"Fail", "198.51.100.7", "mta.pass.example", "bob@pass.example", Fail, "pass.example"},
		{"SoftfailIsFail", "198.51.100.7", "x", "bob@soft.example", Fail, "soft.example"},
		{"NeutralIsNone", "198.51.100.7", "x", "bob@neutral.example", None, "neutral.example"},
		{"PermerrorIsFail", "198.51.100.7", "x", "bob@broken.example", Fail, "broken.example"},
		{"NoRecord", "192.0.2.10", "x", "bob@norecord.example", None, "norecord.example"},
		{"NXDOMAIN", "192.0.2.10", "x", "bob@nowhere.example", None, "nowhere.example"},
		{"Temperror", "192.0.2.10", "x", "bob@servfail.example", TempError, "servfail.example"},
		{"A", "192.0.2.20", "x", "bob@amx.example", Pass, "amx.example"},
		{"MX", "192.0.2.21", "x", "bob@amx.example", Pass, "amx.example"},
		{"Include", "192.0.2.10", "x", "bob@spf.other.test", Pass, "spf.other.test"},
		{"NullSenderUsesHELO", "192.0.2.30", "helo.example", "", Pass, "helo.example"},
		{"NoIP", "", "x", "bob@pass.example", None, "pass.example"},
		{"NoIdentity", "192.0.2.10", "", "", None, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := v.Verify(context.Background(), Input{
				RemoteIP: net.ParseIP(c.ip),
				HELO:     c.helo,
				MailFrom: c.mailFrom,
				Message:  []byte(testMessage),
			})
			if got.SPF != c.want {
				t.Fatalf("spf=%v, want %v", got.SPF, c.want)
			}
			if got.SPFDomain != c.domain {
				t.Fatalf("spf domain=%q, want %q", got.SPFDomain, c.domain)
			}
		})
	}
}
