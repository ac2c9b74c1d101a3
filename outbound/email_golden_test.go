package outbound

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/templates"
)

// -update rewrites testdata/golden from the code as it is: run it only
// when a change to a mail's bytes is meant.
var updateGolden = flag.Bool("update", false, "rewrite the golden mails in testdata/golden")

var goldenDate = time.Date(2026, 11, 23, 10, 0, 1, 0, time.UTC)

// ackPayload is the outbox payload of the acknowledgment core wrote for
// a new ticket of the load benchmark's mail (a 20-line plain text).
func ackPayload(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ack-payload.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeNotice(tb testing.TB, payload []byte) core.EmailNotice {
	tb.Helper()
	var n core.EmailNotice
	if err := json.Unmarshal(payload, &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// hostileText holds what the markdown escaping, linkify, hard wraps and
// quoted-printable each treat specially.
const hostileText = "Hi *there* _you_ [link](http://evil.test) <b>bold</b> &amp; `code`\n" +
	"    indented four\n\tand a tab\r\nwww.example.com and https://example.org/path?x=1&y=2 and a@b.test\n" +
	"# not a heading\n> not a quote\n- not a list\n1. nor this\n| a | b |\n|---|---|\n" +
	"Ünïcödé, кириллица, 😀 and a line far longer than seventy-six characters so that quoted-printable must break it somewhere=here\n" +
	"trailing blanks   \n\n\nmore after blank lines\x00\x07 and control characters"

// goldenCases are the notices whose built bytes are pinned: every
// template in both languages as an honest mail fills it, the load
// benchmark's acknowledgment, and a few with more in them.
func goldenCases(tb testing.TB) map[string]func() (core.EmailNotice, []*core.StoredFile) {
	cases := map[string]func() (core.EmailNotice, []*core.StoredFile){}
	for _, lang := range []string{core.LangEN, core.LangRU} {
		for _, name := range templates.Names() {
			cases[name+"-"+lang] = func() (core.EmailNotice, []*core.StoredFile) {
				n := ordinaryNotice(name, lang)
				n.Data.Status, n.Data.Reason, n.Data.Agent = core.StatusInProgress, "no reply for 5 days", "Bob Agent"
				n.Data.SplitFrom, n.Data.MergedFrom, n.Data.Predecessor = 977, 978, 976
				n.Data.Tasks = []core.TaskLine{{Number: 1, Title: "Fix the form", Status: "in_progress", Progress: 40, Due: "2026-12-01", Overdue: true},
					{Number: 2, Title: "Deploy", Status: "planned"}}
				return n, nil
			}
		}
	}
	cases["bench-ack"] = func() (core.EmailNotice, []*core.StoredFile) { return decodeNotice(tb, ackPayload(tb)), nil }
	cases["bench-ack-ru"] = func() (core.EmailNotice, []*core.StoredFile) {
		n := decodeNotice(tb, ackPayload(tb))
		n.Data.Lang = core.LangRU
		return n, nil
	}
	for _, lang := range []string{core.LangEN, core.LangRU} {
		cases["hostile-ack-"+lang] = func() (core.EmailNotice, []*core.StoredFile) {
			n := testNotice()
			n.Data.Lang = lang
			n.Data.Text, n.Data.Name = hostileText, "Ann *[x](y)* <Customer>"
			n.Data.Subject = "Checkout \"page\" & <blank> — пусто 😀"
			n.Subject = "[#1042] " + n.Data.Subject
			n.Cc = []core.Address{{Name: "Bob, \"the\" builder", Addr: "bob@customer.test"}, {Addr: "carl@contractor.test"}}
			n.Rcpt = "carl@contractor.test"
			return n, nil
		}
	}
	cases["reply-files"] = func() (core.EmailNotice, []*core.StoredFile) {
		n := testNotice()
		n.Template = core.TemplateReply
		n.Data.Text, n.Data.Agent = "Please find the log attached.\n\n  - step one\n  - step two", "Bob"
		n.Data.Files = []core.MailFile{{ID: 1, Name: "log.txt", ContentType: "text/plain", Size: 11}}
		return n, []*core.StoredFile{{ID: 1, Name: "log.txt", ContentType: "text/plain", Data: []byte("line one\r\n")},
			{ID: 2, Name: "shot.png", ContentType: "image/png", Data: bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}, 40)}}
	}
	return cases
}

var boundaryParam = regexp.MustCompile(`boundary="?([^";\r\n]+)"?`)

// fixBoundaries replaces the random multipart boundaries of a mail with
// fixed ones, the only bytes that differ from one build to the next.
func fixBoundaries(raw []byte) []byte {
	for i, m := range boundaryParam.FindAllSubmatch(raw, -1) {
		raw = bytes.ReplaceAll(raw, m[1], fmt.Appendf(nil, "BOUNDARY-%d", i+1))
	}
	return raw
}

// TestBuildEmail_Golden pins the bytes of built mails, so that making
// the build cheaper changes nothing a recipient gets.
func TestBuildEmail_Golden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	if *updateGolden {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, mk := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			n, files := mk()
			raw, err := BuildEmailFiles(n, testFrom, goldenDate, files)
			if err != nil {
				t.Fatalf("BuildEmailFiles: %v", err)
			}
			got := fixBoundaries(raw)
			path := filepath.Join(dir, name+".eml")
			if *updateGolden {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", name, path, firstDiff(got, want))
			}
		})
	}
}

// TestBuildEmail_Concurrent: the worker builds mails from several
// goroutines at once; each must get the same bytes as one built alone
// (run with -race).
func TestBuildEmail_Concurrent(t *testing.T) {
	cases := goldenCases(t)
	want := map[string][]byte{}
	for name, mk := range cases {
		n, files := mk()
		raw, err := BuildEmailFiles(n, testFrom, goldenDate, files)
		if err != nil {
			t.Fatal(err)
		}
		want[name] = fixBoundaries(raw)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(cases))
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name, mk := range cases {
				n, files := mk()
				raw, err := BuildEmailFiles(n, testFrom, goldenDate, files)
				if err != nil {
					errs <- fmt.Sprintf("goroutine %d, %s: %v", g, name, err)
					continue
				}
				if got := fixBoundaries(raw); !bytes.Equal(got, want[name]) {
					errs <- fmt.Sprintf("goroutine %d, %s:\n%s", g, name, firstDiff(got, want[name]))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want []byte) string {
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, g, w)
		}
	}
	return "same lines, different bytes"
}

// BenchmarkBuildEmail_Ack is what the outbox worker spends on the
// acknowledgment of a new ticket before sending it: the row's payload
// decoded, the notice rendered (text and HTML) and the mail written.
func BenchmarkBuildEmail_Ack(b *testing.B) {
	for _, lang := range []string{core.LangEN, core.LangRU} {
		b.Run(lang, func(b *testing.B) {
			payload := ackPayload(b)
			if lang != core.LangEN {
				n := decodeNotice(b, payload)
				n.Data.Lang = lang
				var err error
				if payload, err = json.Marshal(n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				var n core.EmailNotice
				if err := json.Unmarshal(payload, &n); err != nil {
					b.Fatal(err)
				}
				if _, err := BuildEmailFiles(n, testFrom, goldenDate, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
