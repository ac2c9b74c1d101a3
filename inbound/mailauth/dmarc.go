package mailauth

import (
	"context"
	"errors"

	"github.com/emersion/go-msgauth/dmarc"
)

type dmarcLookup struct {
	rec *dmarc.Record // nil: none found, or temp
	// policy is the policy that applies to the From domain: p=, or sp= when
	// the record came from the organizational domain.
	policy Policy
	temp   bool
	reason string
}

// lookupDMARC finds the From domain's record, falling back to the
// organizational domain's (RFC 7489 section 6.6.3). A record that does not
// parse counts as no record there, as the RFC says.
func (v *Verifier) lookupDMARC(ctx context.Context, from string) dmarcLookup {
	from = normDomain(from)
	if from == "" {
		return dmarcLookup{reason: "no From domain"}
	}
	l := v.lookupOne(ctx, from)
	if l.rec != nil || l.temp {
		return l
	}
	org := OrgDomain(from)
	if org == from {
		return l
	}
	ol := v.lookupOne(ctx, org)
	if ol.rec != nil && ol.rec.SubdomainPolicy != "" {
		ol.policy = Policy(ol.rec.SubdomainPolicy)
	}
	ol.reason = from + ": " + l.reason + "; " + org + ": " + ol.reason
	return ol
}

func (v *Verifier) lookupOne(ctx context.Context, domain string) dmarcLookup {
	rec, err := dmarc.LookupWithOptions(domain, &dmarc.LookupOptions{
		LookupTXT: func(name string) ([]string, error) {
			return v.res.LookupTXT(ctx, name)
		},
	})
	switch {
	case err == nil:
		return dmarcLookup{rec: rec, policy: Policy(rec.Policy), reason: "record found"}
	case dmarc.IsTempFail(err):
		return dmarcLookup{temp: true, reason: err.Error()}
	case errors.Is(err, dmarc.ErrNoPolicy):
		return dmarcLookup{reason: "no record"}
	}
	return dmarcLookup{reason: "record ignored: " + err.Error()}
}

// evaluateDMARC gives the DMARC outcome and the policy (RFC 7489 section
// 3.1 and 6.6.2): pass when SPF or DKIM passed for a domain aligned with
// from in the record's mode; otherwise temperror if SPF or a DKIM signature
// failed temporarily (a retry might pass), else fail. Without a record it is
// none, and temperror when the lookup itself failed.
func evaluateDMARC(l dmarcLookup, s spfCheck, d dkimCheck, from string) (Outcome, Policy) {
	switch {
	case l.temp:
		return TempError, ""
	case l.rec == nil:
		return None, ""
	}
	if s.outcome == Pass && Aligned(s.domain, from, l.rec.SPFAlignment == dmarc.AlignmentStrict) {
		return Pass, l.policy
	}
	for _, dom := range d.passed {
		if Aligned(dom, from, l.rec.DKIMAlignment == dmarc.AlignmentStrict) {
			return Pass, l.policy
		}
	}
	if s.outcome == TempError || d.temp {
		return TempError, l.policy
	}
	return Fail, l.policy
}
