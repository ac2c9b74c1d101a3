package mail

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"helpdesk/core"
)

// TestCorpus parses every *.eml file of the shared corpus named by
// HELPDESK_CORPUS (absolute, or relative to the repository root) and
// checks the invariants Parse promises for any input. For the Discourse
// fixtures, whose file names say what they are, it also checks the
// auto-reply classification.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("HELPDESK_CORPUS")
	if dir == "" {
		t.Skip("set HELPDESK_CORPUS to the shared mail corpus (absolute, or relative to the repository root, e.g. HELPDESK_CORPUS=../shared/corpus) to run")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	var files, parsed, invalid, auto int
	reasons := map[string]int{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".eml") {
			return err
		}
		files++
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		e, err := Parse(raw, core.Envelope{})
		if want, ok := refusedFixtures[filepath.ToSlash(rel)]; ok && (err == nil || core.ErrorMessage(err) != want) {
			t.Errorf("%s: got error %v, want %q", rel, err, want)
		}
		if err != nil {
			var ce *core.Error
			if !errors.As(err, &ce) || ce.Code != core.EINVALID {
				t.Errorf("%s: error %v, want a *core.Error with code %s", rel, err, core.EINVALID)
				return nil
			}
			invalid++
			reasons[ce.Message]++
			return nil
		}
		parsed++
		if e.MessageID == "" {
			t.Errorf("%s: empty MessageID", rel)
		}
		for _, bad := range invalidUTF8(e) {
			t.Errorf("%s: %s is not valid UTF-8", rel, bad)
		}
		if e.Auto {
			auto++
		}
		checkDiscourseFixture(t, rel, e)
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	if files == 0 {
		t.Fatalf("no .eml files under %s", dir)
	}
	t.Logf("%d files: %d parsed (%d automatic), %d refused as invalid", files, parsed, auto, invalid)
	for msg, n := range reasons {
		t.Logf("  refused %d: %s", n, msg)
	}
}

// refusedFixtures are corpus mails with neither subject nor body (the
// Discourse header-only auto-generated fixtures): nothing to store.
var refusedFixtures = map[string]string{
	"discourse/spec/fixtures/emails/auto_generated_header.eml":     msgNoContent,
	"discourse/spec/fixtures/emails/auto_generated_precedence.eml": msgNoContent,
}

// discourseAuto is the classification the Discourse fixture names imply.
var discourseAuto = map[string]bool{
	"auto_generated_header.eml":               true,
	"auto_generated_precedence.eml":           true,
	"auto_reply.eml":                          true,
	"bounced_email.eml":                       true,
	"bounced_email_2.eml":                     true,
	"bounced_email_multiple_status_codes.eml": true,
	"hard_bounce_via_verp.eml":                true,
	"auto_generated_subject.eml":              false, // a subject alone is no signal
	"chinese_reply.eml":                       false,
	"hebrew_reply.eml":                        false,
	"inline_reply.eml":                        false,
}

// checkDiscourseFixture checks Auto for the Discourse fixtures, and the
// text of the two replies whose content the fixture notes give, and that
// the sisimai mails that are not bounces are not taken for automatic.
func checkDiscourseFixture(t *testing.T, rel string, e *core.Email) {
	t.Helper()
	if strings.HasPrefix(filepath.ToSlash(rel), "sisimai-set-of-emails/maildir/not/is-not-bounce-") && e.Auto {
		t.Errorf("%s: Auto (%q), want a person's mail", rel, e.AutoReason)
	}
	if !strings.HasPrefix(filepath.ToSlash(rel), "discourse/") {
		return
	}
	name := filepath.Base(rel)
	if want, ok := discourseAuto[name]; ok && e.Auto != want {
		t.Errorf("%s: Auto=%v (%q), want %v", rel, e.Auto, e.AutoReason, want)
	}
	wantText := map[string]string{
		"hebrew_reply.eml": "שלום! מה שלומך היום?",
		"inline_reply.eml": "The quick brown fox",
	}[name]
	if wantText != "" && !strings.Contains(e.Text, wantText) {
		t.Errorf("%s: Text %q does not contain %q", rel, e.Text, wantText)
	}
}

// invalidUTF8 names the string fields of e that are not valid UTF-8.
func invalidUTF8(e *core.Email) []string {
	var bad []string
	check := func(name, s string) {
		if !utf8.ValidString(s) {
			bad = append(bad, name)
		}
	}
	check("MessageID", e.MessageID)
	for _, s := range e.InReplyTo {
		check("InReplyTo", s)
	}
	for _, s := range e.References {
		check("References", s)
	}
	addrs := append([]core.Address{e.From}, e.ReplyTo...)
	addrs = append(append(addrs, e.To...), e.Cc...)
	for _, a := range addrs {
		check("address name", a.Name)
		check("address", a.Addr)
	}
	check("Subject", e.Subject)
	check("Text", e.Text)
	check("Quoted", e.Quoted)
	for _, a := range e.Attachments {
		check("attachment filename", a.Filename)
		check("attachment content type", a.ContentType)
	}
	check("AutoReason", e.AutoReason)
	for _, w := range e.Warnings {
		check("warning", w)
	}
	check("BodyHash", e.BodyHash)
	return bad
}
