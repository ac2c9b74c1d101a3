package mail

import (
	"strings"
	"testing"
)

func TestKeywords(t *testing.T) {
	k := newKeywords("wrote", "написал", "@", "gmt+")
	cases := []struct {
		s    string
		want bool
	}{
		{"", false},
		{"w", false},
		{"Jane WROTE:", true},
		{"jane wrot", false},
		{"ends with wrote", true},
		{"Иван НАПИСАЛ:", true},       // Cyrillic upper case
		{"Иван написа", false},        // cut short
		{"é then wrote", true},        // non-ASCII string, ASCII word
		{"support@example.com", true}, // a one-byte word
		{"2015-10-18 0:17 GMT+03:00", true},
		{"nothing to see here", false},
	}
	for _, c := range cases {
		if got := k.in(c.s); got != c.want {
			t.Errorf("in(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

// TestKeywordsAgreeWithContains checks the one-pass search against the
// plain one over the trimmer's own word lists.
func TestKeywordsAgreeWithContains(t *testing.T) {
	words := []string{"sent ", "from my", "wrote", "schrieb", "отправлено", "iphone", "写道", "@", "gmt+"}
	k := newKeywords(words...)
	lines := []string{
		"Sent from my iPhone", "Отправлено с iPhone", "On Mon, Jane <j@x> wrote:", "2016年1月1日 写道：",
		"Am 1. Mai schrieb Max:", "plain text line", "GMT+01:00", "SENT ", "sent", "Ｓent",
	}
	for _, l := range lines {
		want := false
		for _, w := range words {
			want = want || strings.Contains(strings.ToLower(l), w)
		}
		if got := k.in(l); got != want {
			t.Errorf("in(%q) = %v, strings.Contains says %v", l, got, want)
		}
	}
}
