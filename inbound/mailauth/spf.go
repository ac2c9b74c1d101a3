package mailauth

import (
	"context"

	"blitiri.com.ar/go/spf"
)

type spfCheck struct {
	outcome Outcome
	domain  string // identity checked
	reason  string
}

// checkSPF checks the MAIL FROM identity, or postmaster@HELO for the null
// sender. The library stops at RFC 7208's 10 lookups and 2 void lookups,
// which bounds what a hostile record can make us query.
func (v *Verifier) checkSPF(ctx context.Context, in Input) spfCheck {
	sender := in.MailFrom
	if sender == "" && in.HELO != "" {
		sender = "postmaster@" + in.HELO
	}
	c := spfCheck{outcome: None, domain: domainOf(sender)}
	if c.domain == "" {
		c.reason = "no MAIL FROM domain and no HELO"
		return c
	}
	if in.RemoteIP == nil {
		c.reason = "no remote IP"
		return c
	}
	r, err := spf.CheckHostWithSender(in.RemoteIP, in.HELO, sender,
		spf.WithResolver(v.res), spf.WithContext(ctx))
	c.outcome = outcomeOf(string(r))
	c.reason = string(r)
	if err != nil {
		c.reason += ": " + err.Error()
	}
	return c
}
