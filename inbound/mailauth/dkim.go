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
	if name, n := longestField(msg); n > v.opts.MaxHeaderField {
		return dkimCheck{outcome: Fail, reason: fmt.Sprintf("header field %s of %d bytes not verified, over %d", name, n, v.opts.MaxHeaderField)}
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

// longestField returns the name and length (folded lines included) of the
// longest field in msg's header, in one pass that stops at the blank line
// ending the header. The name is cut to 64 bytes for the reason it goes in.
func longestField(msg []byte) (name string, n int) {
	var cur, longest []byte // the current and the longest field's names
	size := 0
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i+1], msg[i+1:]
		} else {
			msg = nil
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			size += len(line)
		} else {
			cur, size = line, len(line)
			if i := bytes.IndexByte(cur, ':'); i >= 0 {
				cur = cur[:i]
			}
		}
		if size > n {
			n, longest = size, cur
		}
	}
	return string(longest[:min(len(longest), 64)]), n
}
