package mail

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"helpdesk/core"
)

// FuzzParse checks that no input makes Parse panic, that every error is
// an EINVALID *core.Error, and that every string it returns is UTF-8.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatalf("reading seed: %v", err)
		}
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
