package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"helpdesk/core"
)

func TestParse_Invalid(t *testing.T) {
	cases := []struct {
		name string
		raw  string
		want string
	}{
		{"empty", "", msgEmpty},
		{"whitespace", " \r\n\t\n", msgEmpty},
		{"no header", "Hello, my printer is broken.\n\nThanks", msgNoHeader},
		{"no from", "Subject: hi\n\nbody", msgNoFrom},
		{"from without address", "From: Jane Doe\nSubject: hi\n\nbody", msgNoFrom},
		{"from without domain", "From: jane@\nSubject: hi\n\nbody", msgNoFrom},
		{"nothing to read", "From: a@example.com\nMessage-ID: <1@x>\n\n \n", msgNoContent},
		{"headers only", "From: a@example.com\nDate: Mon, 1 Dec 2014 20:48:40 +0530", msgNoContent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Parse([]byte(c.raw), core.Envelope{})
			if err == nil {
				t.Fatalf("got %+v, want error %q", e, c.want)
			}
			ce := errorOf(err)
			if ce == nil {
				t.Fatalf("got %T %v, want *core.Error", err, err)
			}
			if ce.Code != core.EINVALID || ce.Message != c.want {
				t.Fatalf("got %q, want %q", ce.Code+": "+ce.Message, core.EINVALID+": "+c.want)
			}
		})
	}
}

func TestParse_Accepted(t *testing.T) {
	cases := []struct {
		name string
		raw  string
	}{
		{"subject, empty body", "From: a@example.com\nSubject: Call me\n\n"},
		{"subject, no body at all", "From: a@example.com\nSubject: Call me"},
		{"attachment only", "From: a@example.com\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"},
		{"mbox From_ line", "From jane@example.com Mon Dec  1 20:48:40 2014\nFrom: jane@example.com\nSubject: s\n\nhi\n"},
		{"leading blank line", "\nFrom: jane@example.com\nSubject: s\n\nhi\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse([]byte(c.raw), core.Envelope{}); err != nil {
				t.Fatalf("got %v, want no error", err)
			}
		})
	}
}

func TestParse_BodyHashRawEnvelope(t *testing.T) {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	cases := []struct {
		name string
		raw  string
		body string
	}{
		{"crlf", "From: a@example.com\r\nSubject: s\r\n\r\nhello\r\n\r\nworld\r\n", "hello\r\n\r\nworld\r\n"},
		{"lf", "From: a@example.com\nSubject: s\n\nhello\n", "hello\n"},
		{"no blank line", "From: a@example.com\nSubject: s", "From: a@example.com\nSubject: s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := core.Envelope{Sender: "a@example.com", Recipients: []string{"support@example.com"}}
			raw := []byte(c.raw)
			e, err := Parse(raw, env)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if e.BodyHash != hash(c.body) {
				t.Fatalf("got %q, want %q", e.BodyHash, hash(c.body))
			}
			if !bytes.Equal(e.Raw, raw) || e.Envelope.Sender != env.Sender || len(e.Envelope.Recipients) != 1 {
				t.Fatalf("got Raw %q, Envelope %+v, want them unchanged", e.Raw, e.Envelope)
			}
		})
	}
}

// The same body under different trace headers hashes the same, so a mail
// delivered twice is recognised.
func TestParse_BodyHashIgnoresHeaders(t *testing.T) {
	a := mustParse(t, msg("same body", "Received: by a", "From: a@example.com", "Subject: s"))
	b := mustParse(t, msg("same body", "Received: by b", "From: a@example.com", "Subject: s"))
	if a.BodyHash != b.BodyHash {
		t.Fatalf("got %q, want %q", b.BodyHash, a.BodyHash)
	}
}
