package templates

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"helpdesk/core"
)

// escapeByRunes is escapeMarkdown as it was first written, rune by rune;
// the test holds escapeMarkdown to it.
func escapeByRunes(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		line = strings.TrimRight(line, " \t")
		lead := true
		for _, r := range line {
			switch {
			case lead && r == ' ':
				b.WriteRune('\u00a0')
				continue
			case lead && r == '\t':
				b.WriteString("\u00a0\u00a0\u00a0\u00a0")
				continue
			}
			lead = false
			if strings.ContainsRune(asciiPunct, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanAlways is what normalise does to a value when it checks nothing
// first.
func cleanAlways(multi bool, s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	if !multi {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s
}

// refPieces are what the escaping and the cleaning each treat apart.
var refPieces = []string{"a", "Z", "0", " ", "  ", "\n", "\t", "\r", "\r\n", "\u00a0", "\u2003", "\u0085", "\u009f",
	"\x00", "\x07", "\x7f", "\\", "*", "_", "[", "]", "(", ")", "<", ">", "&", "#", "|", "~", "`", "!", ".", ":", "@",
	"é", "ж", "日", "😀", "\uFFFD", "\xff", "\xe2\x82", "\xc3", "word", "http://x.test"}

func randomValue(rng *rand.Rand) string {
	var b strings.Builder
	for range rng.IntN(30) {
		b.WriteString(refPieces[rng.IntN(len(refPieces))])
	}
	return b.String()
}

func TestEscapeMarkdown_MatchesRunes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		s := randomValue(rng)
		if got, want := escapeMarkdown(s), escapeByRunes(s); got != want {
			t.Fatalf("escapeMarkdown(%q) = %q, want %q", s, got, want)
		}
	}
}

// quoteBySplit is quote as it was first written.
func quoteBySplit(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "" {
			lines[i] = ">"
		} else {
			lines[i] = "> " + l
		}
	}
	return strings.Join(lines, "\n")
}

func TestQuote_MatchesSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		s := randomValue(rng)
		for _, m := range []mode{textMode, markdownMode} {
			if got, want := m.quote(s), quoteBySplit(s); got != want {
				t.Fatalf("quote(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

func TestNormalise_MatchesCleaning(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		s := randomValue(rng)
		n := normalise(core.Notice{Text: s, Subject: s})
		if want := cleanAlways(true, s); n.Text != want {
			t.Fatalf("Text %q normalised to %q, want %q", s, n.Text, want)
		}
		if want := cleanAlways(false, s); n.Subject != want {
			t.Fatalf("Subject %q normalised to %q, want %q", s, n.Subject, want)
		}
	}
}

func FuzzEscapeAndNormalise(f *testing.F) {
	for _, p := range refPieces {
		f.Add(p + " x " + p)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := escapeMarkdown(s), escapeByRunes(s); got != want {
			t.Fatalf("escapeMarkdown(%q) = %q, want %q", s, got, want)
		}
		n := normalise(core.Notice{Text: s, Subject: s})
		if n.Text != cleanAlways(true, s) || n.Subject != cleanAlways(false, s) {
			t.Fatalf("normalise(%q) = %q, %q", s, n.Text, n.Subject)
		}
	})
}
