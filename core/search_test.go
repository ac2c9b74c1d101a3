package core_test

import (
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
)

func TestSearchTerms(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"PayPal refund", []string{"paypal", "refund"}},
		{`"pay*" OR NEAR(x -y)`, []string{"pay", "or", "near", "x", "y"}},
		{"Оплата не прошла", []string{"оплата", "не", "прошла"}},
		{"a b c d e f g h i j", []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
		{strings.Repeat("x", 65) + " ok", []string{"ok"}},
		{strings.Repeat("é", 200), nil},
		{"*** ()", nil},
	}
	for _, tc := range cases {
		got, err := core.SearchTerms(tc.in)
		if tc.want == nil {
			if core.ErrorCode(err) != core.EINVALID {
				t.Errorf("%.20q: %v, %v; want invalid", tc.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%.20q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestMarkSnippet(t *testing.T) {
	s := "a <b> " + core.SnippetOpen + "x&y" + core.SnippetClose + core.SnippetClose + " " + core.SnippetOpen + "z"
	esc := func(s string) string { return strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(s) }
	if got, want := core.MarkSnippet(s, "*", "*", esc), "a &lt;b&gt; *x&amp;y* *z*"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := core.SquashSpace(" a\n\n b\t"); got != " a b " {
		t.Errorf("SquashSpace: %q", got)
	}
}
