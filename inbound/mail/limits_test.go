package mail

import (
	"errors"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestParse_MIMELimits refuses a mail whose multiparts nest deeper, or
// whose parts are more, than ParseOptions allow, with a *LimitError that
// names the limit and is an EINVALID *core.Error; a mail at the limit
// passes.
func TestParse_MIMELimits(t *testing.T) {
	cases := []struct {
		name    string
		raw     []byte
		opts    ParseOptions
		key     string // "" when the mail passes
		message string
	}{
		{"32 levels", nestedMail(32), ParseOptions{}, "", ""},
		{"33 levels", nestedMail(33), ParseOptions{}, "mime_depth", "MIME nesting deeper than 32 levels"},
		{"20,000 levels", nestedMail(20000), ParseOptions{}, "mime_depth", "MIME nesting deeper than 32 levels"},
		{"3 levels, limit 2", nestedMail(3), ParseOptions{MaxMIMEDepth: 2}, "mime_depth", "MIME nesting deeper than 2 levels"},
		{"1,000 parts", manyPartsMail(1000), ParseOptions{}, "", ""},
		{"1,001 parts", manyPartsMail(1001), ParseOptions{}, "mime_parts", "more than 1000 MIME parts"},
		{"100,000 parts", manyPartsMail(100000), ParseOptions{}, "mime_parts", "more than 1000 MIME parts"},
		// Parts count at every level: 3 levels of 2 parts are 6.
		{"parts of nested multiparts", nestedMail(3), ParseOptions{MaxMIMEParts: 2}, "mime_parts", "more than 2 MIME parts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := ParseWith(c.raw, core.Envelope{}, c.opts)
			if c.key == "" {
				if err != nil {
					t.Fatalf("ParseWith: %v", err)
				}
				if !strings.Contains(e.Text, "The bottom.") && !strings.Contains(e.Text, "x") {
					t.Fatalf("Text=%q, want the innermost text", e.Text)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || le.Key != c.key {
				t.Fatalf("err=%v, want a *LimitError for %s", err, c.key)
			}
			if core.ErrorCode(err) != core.EINVALID || core.ErrorMessage(err) != c.message {
				t.Fatalf("code %q message %q, want %q %q", core.ErrorCode(err), core.ErrorMessage(err), core.EINVALID, c.message)
			}
		})
	}
}

// TestParse_LimitStopsEarly: the MIME limits end the reading at the
// limit. A mail nested 20,000 levels deep, or of 100,000 parts, costs no
// more memory than one just over the limit (and no quadratic time: see
// BenchmarkParse_Adversarial).
func TestParse_LimitStopsEarly(t *testing.T) {
	for _, c := range []struct {
		name        string
		small, huge []byte
	}{
		{"depth", nestedMail(40), nestedMail(20000)},
		{"parts", manyPartsMail(1100), manyPartsMail(100000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			small, huge := allocatedBy(c.small), allocatedBy(c.huge)
			t.Logf("%d bytes: %d allocated; %d bytes: %d allocated", len(c.small), small, len(c.huge), huge)
			if huge > 2*small+uint64(len(c.huge)) {
				t.Fatalf("%d bytes allocated for the huge mail, %d for the small one: reading went on past the limit", huge, small)
			}
		})
	}
}

// TestParse_HTMLTextLimit cuts the text of an HTML body at MaxHTMLText
// with a warning; the raw mail is kept whole.
func TestParse_HTMLTextLimit(t *testing.T) {
	raw := htmlMail(1 << 20)
	e, err := ParseWith(raw, core.Envelope{}, ParseOptions{MaxHTMLText: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Text) > 64<<10 || len(e.Text) < 60<<10 {
		t.Fatalf("Text is %d bytes, want just under %d", len(e.Text), 64<<10)
	}
	if !hasWarning(e, "more than 65536 bytes of text") {
		t.Fatalf("warnings %q lack the cut", e.Warnings)
	}
	if len(e.Raw) != len(raw) {
		t.Fatalf("Raw is %d bytes, want %d", len(e.Raw), len(raw))
	}
	small, err := ParseWith(htmlMail(32<<10), core.Envelope{}, ParseOptions{MaxHTMLText: 64 << 10})
	if err != nil || hasWarning(small, "bytes of text") {
		t.Fatalf("a short HTML body: err=%v warnings=%q", err, small.Warnings)
	}
}

// TestParse_BadBase64 keeps the first stray characters of a base64 body
// as warnings and counts the rest, instead of keeping an error for each.
func TestParse_BadBase64(t *testing.T) {
	e := mustParse(t, msg("SGVsbG8s!IHdvcmxk\n"+strings.Repeat("#", 1000)+"\n",
		"From: a@example.com", "Subject: s", "Content-Type: text/plain", "Content-Transfer-Encoding: base64"))
	if e.Text != "Hello, world" {
		t.Fatalf("Text=%q, want %q", e.Text, "Hello, world")
	}
	n := 0
	for _, w := range e.Warnings {
		if strings.Contains(w, "base64 stream") {
			n++
		}
	}
	if n != maxStrays+1 || !hasWarning(e, "991 more unexpected characters") {
		t.Fatalf("%d base64 warnings %q, want %d and a count of the rest", n, e.Warnings, maxStrays+1)
	}
}
