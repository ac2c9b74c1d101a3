package mail

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"helpdesk/core"
)

// encodeIn returns s encoded in the named charset, to build test mails in
// legacy charsets from readable UTF-8 literals.
func encodeIn(label, s string) string {
	e, err := lookupCharset(label)
	if err != nil {
		panic(err)
	}
	out, err := e.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return out
}

// b64 is base64 of s, for B-encoded words and base64 bodies.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// word is an RFC 2047 B-encoded word of s in the named charset.
func word(label, s string) string { return "=?" + label + "?B?" + b64(encodeIn(label, s)) + "?=" }

// msg joins header lines and a body into a mail with CRLF line ends.
func msg(body string, header ...string) []byte {
	h := strings.Join(header, "\r\n")
	return []byte(h + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

// mustParse parses raw with an empty envelope and fails the test on error.
func mustParse(t *testing.T, raw []byte) *core.Email {
	t.Helper()
	e, err := Parse(raw, core.Envelope{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return e
}

// hasWarning reports whether one of e's warnings contains sub.
func hasWarning(e *core.Email, sub string) bool {
	for _, w := range e.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// errorOf returns the *core.Error in err's chain, or nil.
func errorOf(err error) *core.Error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}
