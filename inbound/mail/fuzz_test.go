package mail

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"helpdesk/core"
)

// FuzzParse checks that no input makes Parse panic, that every error is
// an EINVALID *core.Error, and that every string it returns is UTF-8.
func FuzzParse(f *testing.F) {
	for _, name := range seedFiles(f) {
		f.Add(mustReadTestdata(f, name))
	}
	for _, b := range corpusSeeds(f) {
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"From: a@example.com\nSubject: s\n\nbody",
		"From: M\xfcller <m@example.com>\nSubject: =?windows-1251?B?z/Do4uXy?=\n\n> q\n-- \nsig",
		"From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=x-nope\n\n\xff\xfe\n--b\nContent-Transfer-Encoding: base64\n\n!!!",
		"From: a@example.com\nMessage-ID: <<a@b>\nReferences: (<x@y>) \"q\" <a b>\n\nOn x\nwrote:\n> y\nz",
		"From MAILER-DAEMON Mon\nFrom: <>\nContent-Type: multipart/report; boundary=\"\"\n\n",
	} {
		f.Add([]byte(s))
	}
	// Small versions of the shapes a hostile sender uses.
	for _, s := range adversarialShapes {
		f.Add(s.make(2000))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Parse(raw, core.Envelope{})
		if err != nil {
			var ce *core.Error
			if !errors.As(err, &ce) || ce.Code != core.EINVALID {
				t.Fatalf("got error %v, want an EINVALID *core.Error", err)
			}
			return
		}
		if e.MessageID == "" {
			t.Fatalf("got an empty MessageID")
		}
		if bad := invalidUTF8(e); len(bad) > 0 {
			t.Fatalf("got invalid UTF-8 in %q", bad)
		}
	})
}

// seedFiles names the .eml files under testdata/, the seeds of the fuzz
// tests.
func seedFiles(f *testing.F) []string {
	var names []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".eml") {
			names = append(names, strings.TrimPrefix(filepath.ToSlash(path), "testdata/"))
		}
		return err
	})
	if err != nil {
		f.Fatalf("listing seeds: %v", err)
	}
	return names
}

// corpusSeeds adds the shared corpus's mails when HELPDESK_CORPUS is set.
func corpusSeeds(f *testing.F) [][]byte {
	dir := os.Getenv("HELPDESK_CORPUS")
	if dir == "" {
		return nil
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir)
	}
	var seeds [][]byte
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".eml") || strings.HasSuffix(path, ".raw") || strings.HasSuffix(path, ".box")) {
			if b, err := os.ReadFile(path); err == nil && len(b) < 256<<10 {
				seeds = append(seeds, b)
			}
		}
		return nil
	})
	return seeds
}

// FuzzHTMLText checks that no HTML makes htmlText panic, and that the
// text it makes stays within its limit (plus the little that closing
// the open elements writes) and is UTF-8.
func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{
		`<div>Works.</div><div class="gmail_quote"><blockquote type="cite">old</blockquote></div>`,
		`<p><b>a<div>b</b>c</div><font><p>x</font>y</p><a href="h"><img alt="i"></a>`,
		`<div style="border-top:solid 1pt"><b>From:</b> x</div><div id="divRplyFwdMsg">y</div>`,
		`<head><title>t</title><style>p{}</style></head><h1>T</h1><ul><li>a<li>b</ul><pre>` + "\n x\n</pre>",
		strings.Repeat("<blockquote>", 600) + "deep" + strings.Repeat("<b>", 20) + "bold",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		const limit = 512
		text, quoted, _ := htmlText(src, limit)
		if len(text)+len(quoted) > 4*limit+4096 {
			t.Fatalf("%d bytes of text from a limit of %d", len(text)+len(quoted), limit)
		}
		if !utf8.ValidString(text) || !utf8.ValidString(quoted) {
			t.Fatalf("invalid UTF-8 in %q / %q", text, quoted)
		}
	})
}
