package mailauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

type dkimCheck struct {
	outcome Outcome
	passed  []string // d= of verified signatures, lower case
	// temp is whether any signature failed temporarily. DMARC reports
	// temperror rather than fail when such a signature might have passed.
	temp   bool
	reason string
}

// checkDKIM verifies at most MaxSignatures signatures. One verified
// signature makes DKIM pass; otherwise a temporary failure (key lookup
// timed out) makes it temperror, and anything else (bad signature, body
// changed, key missing or revoked, malformed tags) fail.
func (v *Verifier) checkDKIM(ctx context.Context, msg []byte) dkimCheck {
	if len(msg) > v.opts.MaxMessageBytes {
		return dkimCheck{outcome: Fail, reason: fmt.Sprintf("message of %d bytes not verified, over %d", len(msg), v.opts.MaxMessageBytes)}
	}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			return v.res.LookupTXT(ctx, name)
		},
		MaxVerifications: v.opts.MaxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// The header could not be read, so no signature can be trusted.
		return dkimCheck{outcome: Fail, reason: err.Error()}
	}
	if len(verifs) == 0 {
		return dkimCheck{outcome: None, reason: "no signature"}
	}
	c := dkimCheck{outcome: Fail}
	var reasons []string
	for _, vf := range verifs {
		switch {
		case vf.Err == nil:
			c.passed = append(c.passed, normDomain(vf.Domain))
			reasons = append(reasons, vf.Domain+": pass")
		case dkim.IsTempFail(vf.Err):
			c.temp = true
			reasons = append(reasons, vf.Domain+": "+vf.Err.Error())
		default:
			reasons = append(reasons, vf.Domain+": "+vf.Err.Error())
		}
	}
	switch {
	case len(c.passed) > 0:
		c.outcome = Pass
	case c.temp:
		c.outcome = TempError
	}
	if err != nil {
		reasons = append(reasons, err.Error())
	}
	c.reason = strings.Join(reasons, "; ")
	return c
}
