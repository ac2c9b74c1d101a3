package mailauth

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// FromAuthenticationResults reads the verdict of a trusted MTA in front of
// us instead of checking ourselves. values are the Authentication-Results
// field bodies in header order, topmost first. Only a field whose
// authserv-id equals trustedAuthservID (case-insensitively) is trusted
// (RFC 8601 section 5); any other is something a sender could have written.
// The MTA prepends its field, so the topmost trusted one is its own, and one
// further down is ignored: it came with the message. ok is false when no
// field is trusted, or when the trusted one does not parse.
//
// Missing methods are none. Domain comes from dmarc's header.from,
// SPFDomain from spf's smtp.mailfrom (or smtp.helo), DKIMDomains from the
// header.d of passing dkim results. Policy stays empty: RFC 8601 has no
// property for it and MTAs put it only in comments.
func FromAuthenticationResults(values []string, trustedAuthservID string) (Result, bool) {
	trusted := normDomain(trustedAuthservID)
	if trusted == "" {
		return Result{}, false
	}
	for _, v := range values {
		id, results, err := authres.Parse(stripComments(unfold(v)))
		if normDomain(id) != trusted {
			continue
		}
		if err != nil {
			return Result{}, false
		}
		return resultFrom(results), true
	}
	return Result{}, false
}

func resultFrom(results []authres.Result) Result {
	r := Result{DMARC: None, SPF: None, DKIM: None}
	var dkimTemp, dkimFail bool
	for _, ar := range results {
		switch ar := ar.(type) {
		case *authres.SPFResult:
			r.SPF = outcomeOf(string(ar.Value))
			r.SPFDomain = domainOf(ar.From)
			if r.SPFDomain == "" {
				r.SPFDomain = domainOf(ar.Helo)
			}
		case *authres.DKIMResult:
			switch outcomeOf(string(ar.Value)) {
			case Pass:
				if d := normDomain(ar.Domain); d != "" {
					r.DKIMDomains = append(r.DKIMDomains, d)
				}
			case TempError:
				dkimTemp = true
			case Fail:
				dkimFail = true
			}
		case *authres.DMARCResult:
			r.DMARC = outcomeOf(string(ar.Value))
			r.Domain = domainOf(ar.From)
		}
	}
	switch {
	case len(r.DKIMDomains) > 0:
		r.DKIM = Pass
	case dkimTemp:
		r.DKIM = TempError
	case dkimFail:
		r.DKIM = Fail
	}
	return r
}

// unfold joins a folded field body into one line.
func unfold(v string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(v)
}

// stripComments removes RFC 5322 comments, "(…)" possibly nested, outside
// quoted strings. The authres parser does not skip them, and a comment may
// hold a ";" or "x=y" that would read as a result or a property.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, c := range s {
		switch {
		case escaped:
			escaped = false
		case c == '\\' && (quoted || depth > 0):
			escaped = true
		case depth == 0 && c == '"':
			quoted = !quoted
		case !quoted && c == '(':
			depth++
			continue
		case !quoted && depth > 0 && c == ')':
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		}
		if depth == 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}
