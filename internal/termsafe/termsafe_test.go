package termsafe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

const r = "\uFFFD"

var cases = []struct{ name, in, want string }{
	{"Plain", "Checkout is blank\n\tsince Monday", "Checkout is blank\n\tsince Monday"},
	{"Unicode", "Заказ №5 — ошибка ✓", "Заказ №5 — ошибка ✓"},
	{"OSCTitle", "\x1b]0;pwned\x07Subject", r + "Subject"},
	{"OSCWithST", "a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b", "a" + r + "link" + r + "b"},
	{"ClearScreen", "\x1b[2Jhello", r + "hello"},
	{"CSIParams", "x\x1b[1;31mred\x1b[0m", "x" + r + "red" + r},
	{"C1CSI", "x\u009b2Jy", "x" + r + "y"},
	{"C1OSC", "x\u009d0;t\u009cy", "x" + r + "y"},
	{"Charset", "\x1b(Bok", r + "ok"},
	{"ESCAtEnd", "a\x1b", "a" + r},
	{"UnterminatedOSCStopsAtLine", "a\x1b]0;title\nnext line", "a" + r + "\nnext line"},
	{"DCS", "\x1bPq#0;2;0;0;0\x1b\\after", r + "after"},
	{"BellBackspaceNul", "a\x07b\x08c\x00d\x7fe", "a" + r + "b" + r + "c" + r + "d" + r + "e"},
	{"CRLF", "line one\r\nline two\r\n", "line one\nline two\n"},
	{"LoneCR", "Paid\rUnpaid", "Paid" + r + "Unpaid"},
	{"CRAtEnd", "x\r", "x" + r},
	{"InvalidUTF8", "a\xffb\xe2\x82", "a" + r + "b" + r + r},
	{"MalformedCSI", "\x1b[12\x07x", r + r + "x"},
}

func TestString(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := String(c.in); got != c.want {
				t.Fatalf("String(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// The Writer gives what String gives however the text is cut into
// Writes: inside an escape sequence, a CRLF or a UTF-8 sequence.
func TestWriter_Splits(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for size := 1; size <= len(c.in); size++ {
				if got := viaWriter(c.in, size); got != c.want {
					t.Fatalf("in writes of %d bytes: %q, want %q", size, got, c.want)
				}
			}
		})
	}
}

func viaWriter(s string, size int) string {
	var b bytes.Buffer
	w := NewWriter(&b)
	for i := 0; i < len(s); i += size {
		w.Write([]byte(s[i:min(i+size, len(s))]))
	}
	w.Flush()
	return b.String()
}

func TestRaw(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Write([]byte("text\r"))
	Raw(w).Write([]byte("{\"s\":\"\\u001b\"}\r\n"))
	if got := b.String(); got != "text"+r+"{\"s\":\"\\u001b\"}\r\n" {
		t.Fatalf("got %q", got)
	}
	if Raw(&b) != &b {
		t.Fatal("Raw of another writer is not that writer")
	}
}

func FuzzString(f *testing.F) {
	for _, c := range cases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q, not UTF-8", s, got)
		}
		for _, c := range got {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c <= 0x9f {
				t.Fatalf("String(%q) = %q keeps control %U", s, got, c)
			}
		}
		if w := viaWriter(s, 3); w != got {
			t.Fatalf("Writer(%q) = %q, String %q", s, w, got)
		}
	})
}

// BenchmarkString over adversarial text (every few bytes a control, a
// sequence that never ends) and honest text, each beside a copy of the
// same bytes as the baseline of the same run: the cost per byte stays a
// small multiple of a copy, whatever the input.
func BenchmarkString(b *testing.B) {
	for _, in := range []struct{ name, s string }{
		{"Plain", strings.Repeat("Checkout is blank since Monday. ", 1<<15)},
		{"Cyrillic", strings.Repeat("Заказ не оформляется. ", 1<<14)},
		{"Controls", strings.Repeat("\x1b[2J\x07\r", 1<<17)},
		{"EndlessOSC", "\x1b]0;" + strings.Repeat("x", 1<<20)},
	} {
		b.Run(in.name+"/Copy", func(b *testing.B) {
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				_ = strings.Clone(in.s)
			}
		})
		b.Run(in.name+"/String", func(b *testing.B) {
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				String(in.s)
			}
		})
	}
}
