package mailauth

import (
	"bufio"
	"bytes"
	"net/textproto"

	"helpdesk/core"
)

// Core converts r into core's form (docs/rules.md §6). fromDomain, the
// domain of the From address, fills Domain when r has none (an
// Authentication-Results field without a dmarc result). core cannot ask
// the public suffix list, so alignment is decided here, into Aligned.
func Core(r Result, fromDomain string) *core.Auth {
	if r.Domain == "" {
		r.Domain = normDomain(fromDomain)
	}
	return &core.Auth{
		DMARC:   string(orNone(r.DMARC)),
		SPF:     string(orNone(r.SPF)),
		DKIM:    string(orNone(r.DKIM)),
		Domain:  r.Domain,
		Policy:  string(r.Policy),
		Aligned: len(r.AlignedDomains()) > 0,
	}
}

func orNone(o Outcome) Outcome {
	if o == "" {
		return None
	}
	return o
}

// FromHeader is the verdict a trusted MTA recorded in the message's
// Authentication-Results fields (FromAuthenticationResults), in core's
// form; ok is false when no field is from trustedAuthservID. A DMARC
// policy cannot be read from such a field, so Policy stays empty: the MTA
// is the one to reject p=reject failures.
func FromHeader(raw []byte, trustedAuthservID, fromDomain string) (a *core.Auth, ok bool) {
	if trustedAuthservID == "" {
		return nil, false
	}
	r, ok := FromAuthenticationResults(headerValues(raw, "Authentication-Results"), trustedAuthservID)
	if !ok {
		return nil, false
	}
	return Core(r, fromDomain), true
}

// Unchecked is the sender check of mail no one checked: every outcome
// none, so not authenticated.
func Unchecked(fromDomain string) *core.Auth {
	return Core(Result{}, fromDomain)
}

// headerValues returns the bodies of the header fields called name, top
// first. A header that does not parse to the end yields the fields read
// before the trouble.
func headerValues(raw []byte, name string) []string {
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		raw = raw[:i+4]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		raw = raw[:i+2]
	}
	h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	return h.Values(name)
}
