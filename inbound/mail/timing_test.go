package mail

import (
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

// maxParseTime bounds any input's parse and extraction. The inputs below
// take tens of milliseconds on a developer machine; the bound is set far
// above that so that a loaded CI machine does not fail it, while a
// quadratic trimmer (seconds on these inputs) would.
const maxParseTime = time.Second

// TestParse_Pathological builds inputs that slow naive trimmers and
// parsers down and checks each parses within maxParseTime. The timing
// assertion is skipped under -race.
func TestParse_Pathological(t *testing.T) {
	hdr := []string{"From: a@example.com", "Subject: s"}
	var nested strings.Builder
	for i := 1; i <= 200; i++ {
		nested.WriteString(strings.Repeat(">", i) + " On Mon, 1 Dec 2014, X <x@example.com> wrote:\n")
	}
	cases := []struct {
		name string
		raw  []byte
	}{
		{"10,000 quote lines", msg("Yes.\n"+strings.Repeat("> quoted line\n", 10000), hdr...)},
		{"10,000 attribution starts", msg(strings.Repeat("On Monday\n", 10000)+"> q\nok", hdr...)},
		{"deep quote nesting", msg("Top.\n"+nested.String()+strings.Repeat(">", 5000)+" deep\n", hdr...)},
		{"one huge line", msg(strings.Repeat("On x wrote ", 200000), hdr...)},
		{"20 MB attachment", msg("--b\nContent-Type: text/plain\n\nSee file.\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=big.bin\nContent-Transfer-Encoding: base64\n\n"+
			wrap76(b64(strings.Repeat("\x00\x01\x02", 20<<20/3)))+"\n--b--\n", append(hdr, "Content-Type: multipart/mixed; boundary=b")...)},
		{"deep html nesting", msg(strings.Repeat("<div>", 5000)+"hi"+strings.Repeat(`<blockquote type="cite">`, 2000), append(hdr, "Content-Type: text/html")...)},
		{"10,000 header-like lines", msg("Hi\n"+strings.Repeat("From: x\nTo: y\n\n", 5000), hdr...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			e, err := ParseWith(c.raw, core.Envelope{}, ParseOptions{})
			if err != nil {
				t.Fatalf("ParseWith: %v", err)
			}
			if strings.HasPrefix(c.name, "20 MB") && (len(e.Attachments) != 1 || e.Attachments[0].Size != 20<<20/3*3) {
				t.Fatalf("attachments=%+v, want big.bin of %d bytes", e.Attachments, 20<<20/3*3)
			}
			if d := time.Since(start); !raceEnabled && d > maxParseTime {
				t.Fatalf("took %v, want under %v", d, maxParseTime)
			} else {
				t.Logf("took %v", d)
			}
		})
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}
