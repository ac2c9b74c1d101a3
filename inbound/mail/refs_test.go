package mail

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// manyRefs is n footer lines with the distinct references from, from+1, …
func manyRefs(from, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "> Ref: T%d-AAAA\n", from+i)
	}
	return b.String()
}

func refsFrom(from, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("T%d-AAAA", from+i))
	}
	return out
}

func TestFindRefs(t *testing.T) {
	cases := []struct {
		name   string
		quoted string
		want   []string
	}{
		{"none", "> Hello", nil},
		{"footer", "> Thanks\n> Ref: T1042-AEAQDX65TIY65WRRNMD3C", []string{"T1042-AEAQDX65TIY65WRRNMD3C"}},
		{"dedupe and order", "Ref: T2-BBBB\n> Ref: T1-AAAA\n>> Ref: T2-BBBB", []string{"T2-BBBB", "T1-AAAA"}},
		{"lower-cased by a client", "ref: t7-abcd2345", []string{"T7-ABCD2345"}},
		{"not a ref", "Reference: T1-AAAA and Ref: X1-AAAA", nil},
		{"at most MaxRefs", strings.Repeat("> Ref: T1-AAAA\n", 3) + manyRefs(2, 5000), append([]string{"T1-AAAA"}, refsFrom(2, MaxRefs-1)...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := findRefs(c.quoted); !slices.Equal(got, c.want) {
				t.Fatalf("refs=%q, want %q", got, c.want)
			}
		})
	}
}
