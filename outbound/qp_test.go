package outbound

import (
	"bytes"
	"math/rand/v2"
	"mime/quotedprintable"
	"strings"
	"testing"
)

// stdQP is s as mime/quotedprintable writes it.
func stdQP(t testing.TB, s string) []byte {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var qpPieces = []string{"a", "word ", " ", "  ", "\t", "\n", "\r", "\r\n", "\n\r", "=", "==", "é", "日", "😀", "\x00", "\x7f",
	"\xff", "~", "!", strings.Repeat("x", 70), strings.Repeat("y", 75), strings.Repeat("z", 76), strings.Repeat("=", 30)}

func TestAppendQP_MatchesWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 30000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(qpPieces[rng.IntN(len(qpPieces))])
		}
		s := b.String()
		prefix := []byte("head\r\n")
		got := appendQP(prefix, s)
		if want := append([]byte("head\r\n"), stdQP(t, s)...); !bytes.Equal(got, want) {
			t.Fatalf("appendQP(%q) =\n%q, want\n%q", s, got, want)
		}
	}
}

func FuzzAppendQP(f *testing.F) {
	for _, p := range qpPieces {
		f.Add(p + " x" + p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendQP(nil, s), stdQP(t, s); !bytes.Equal(got, want) {
			t.Fatalf("appendQP(%q) =\n%q, want\n%q", s, got, want)
		}
	})
}
