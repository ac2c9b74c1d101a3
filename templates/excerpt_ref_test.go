package templates

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// excerptByUnits is excerpt as it was first written, splitting the whole
// text into characters; the test holds excerpt to it.
func excerptByUnits(m mode, n int, s string) string {
	s = strings.TrimSpace(s)
	var us []string
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		if m == markdownMode && s[i] == '\\' && i+w < len(s) {
			_, w2 := utf8.DecodeRuneInString(s[i+w:])
			w += w2
		}
		us = append(us, s[i:i+w])
		i += w
	}
	if len(us) <= n {
		return s
	}
	cut := n
	for i := n; i > n*4/5; i-- {
		if isBlank(us[i]) {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(strings.Join(us[:cut], ""), unicode.IsSpace) + " …"
}

func TestExcerpt_MatchesUnits(t *testing.T) {
	pieces := []string{"a", "b", " ", "\n", "\t", "\u00a0", "\\", "\\*", "é", "ж", "日", "\xff", "word", "  "}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		n := rng.IntN(30)
		for _, m := range []mode{textMode, markdownMode} {
			if got, want := m.excerpt(n, s), excerptByUnits(m, n, s); got != want {
				t.Fatalf("mode %v excerpt(%d, %q) = %q, want %q", m, n, s, got, want)
			}
		}
	}
}
