package mailauth

import (
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Outcome is the result of one mechanism, reduced to the four values that
// the stored JSON promises. See the package doc for how the RFC results map
// onto them.
type Outcome string

// The outcomes. The zero Outcome marshals as None.
const (
	Pass      Outcome = "pass"
	Fail      Outcome = "fail"
	None      Outcome = "none"
	TempError Outcome = "temperror"
)

// MarshalText implements encoding.TextMarshaler; the zero value is "none".
func (o Outcome) MarshalText() ([]byte, error) {
	if o == "" {
		return []byte(None), nil
	}
	if !o.valid() {
		return nil, fmt.Errorf("mailauth: invalid outcome %q", string(o))
	}
	return []byte(o), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts exactly
// the four outcomes (and "" as none), so a stored row never decodes into a
// value code does not expect.
func (o *Outcome) UnmarshalText(b []byte) error {
	v := Outcome(b)
	if v == "" {
		v = None
	}
	if !v.valid() {
		return fmt.Errorf("mailauth: invalid outcome %q", string(b))
	}
	*o = v
	return nil
}

func (o Outcome) valid() bool {
	switch o {
	case Pass, Fail, None, TempError:
		return true
	}
	return false
}

// outcomeOf maps an RFC 7208/7601 result word to an Outcome:
//
//	pass                          → pass
//	fail, hardfail, softfail,
//	permerror, policy             → fail
//	none, neutral                 → none
//	temperror                     → temperror
//
// Anything else is none: an unknown word asserts nothing.
func outcomeOf(word string) Outcome {
	switch strings.ToLower(word) {
	case "pass":
		return Pass
	case "fail", "hardfail", "softfail", "permerror", "policy":
		return Fail
	case "temperror":
		return TempError
	}
	return None
}

// Policy is a DMARC policy, the p= (or for a subdomain sp=) of the From
// domain's record. It is empty when no record was found or the lookup
// failed.
type Policy string

// The DMARC policies (RFC 7489 section 6.3).
const (
	PolicyNone       Policy = "none"
	PolicyQuarantine Policy = "quarantine"
	PolicyReject     Policy = "reject"
)

// Result is what was learned about who sent a message. It is stored as JSON;
// the keys dmarc, spf and dkim with the values pass, fail, none and
// temperror are an external contract, as are domain and policy.
type Result struct {
	DMARC Outcome `json:"dmarc"`
	SPF   Outcome `json:"spf"`
	DKIM  Outcome `json:"dkim"`
	// Domain is the domain of the RFC 5322 From address the result is
	// about, lower case; empty if the message had none.
	Domain string `json:"domain"`
	// Policy is Domain's DMARC policy; empty when it has no record or the
	// lookup failed.
	Policy Policy `json:"policy,omitempty"`
	// SPFDomain is the identity SPF checked: the MAIL FROM domain, or the
	// HELO name for a null sender. Set whenever SPF ran.
	SPFDomain string `json:"spf_domain,omitempty"`
	// DKIMDomains are the d= domains of the signatures that verified.
	DKIMDomains []string `json:"dkim_domains,omitempty"`
}

// Authenticated reports whether the From domain is proven: DMARC passed,
// or, where DMARC gave no verdict (no record, or the record lookup failed),
// SPF or DKIM passed for a domain aligned with it. A DMARC fail is final
// even when a relaxed alignment would pass: the domain asked for strict
// alignment. The result is computed from the fields alone, so it is the
// same after a JSON round trip.
func (r Result) Authenticated() bool {
	switch r.DMARC {
	case Pass:
		return true
	case Fail:
		return false
	}
	return len(r.AlignedDomains()) > 0
}

// AlignedDomains lists the domains that passed SPF or DKIM and are aligned
// with Domain in relaxed mode (same organizational domain), SPF's first.
func (r Result) AlignedDomains() []string {
	if r.Domain == "" {
		return nil
	}
	var out []string
	if r.SPF == Pass && Aligned(r.SPFDomain, r.Domain, false) {
		out = append(out, r.SPFDomain)
	}
	if r.DKIM == Pass {
		for _, d := range r.DKIMDomains {
			if Aligned(d, r.Domain, false) {
				out = append(out, d)
			}
		}
	}
	return out
}

// LogValue implements slog.LogValuer.
func (r Result) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("dmarc", string(r.DMARC)),
		slog.String("spf", string(r.SPF)),
		slog.String("dkim", string(r.DKIM)),
		slog.String("domain", r.Domain),
		slog.String("policy", string(r.Policy)),
		slog.Bool("authenticated", r.Authenticated()),
	)
}

// Aligned reports whether an authenticated domain is aligned with the From
// domain (RFC 7489 section 3.1): equal in strict mode, or with the same
// organizational domain in relaxed mode.
func Aligned(authenticated, from string, strict bool) bool {
	a, f := normDomain(authenticated), normDomain(from)
	if a == "" || f == "" {
		return false
	}
	if strict {
		return a == f
	}
	return OrgDomain(a) == OrgDomain(f)
}

// OrgDomain is the organizational domain of d (RFC 7489 section 3.2): the
// public suffix plus one label, found with the public suffix list. A name
// that is itself a public suffix, or that the list cannot handle, is its own
// organizational domain.
func OrgDomain(d string) string {
	d = normDomain(d)
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

// domainOf is the domain part of an address, or the string itself when it
// has no @ (a bare domain, as smtp.mailfrom sometimes carries).
func domainOf(addr string) string {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return normDomain(addr)
}
