package core

import (
	"testing"
	"unicode"
)

// TestCountScripts checks the ASCII shortcut against the Unicode tables.
func TestCountScripts(t *testing.T) {
	slow := func(s string) (cyr, lat int) {
		for _, r := range s {
			switch {
			case unicode.Is(unicode.Cyrillic, r):
				cyr++
			case unicode.Is(unicode.Latin, r):
				lat++
			}
		}
		return cyr, lat
	}
	for _, s := range []string{
		"", "Hello, world!", "@[`{AZaz09", "Привет, мир", "Ünïcödé ß ﬁ Ａｂ",
		"mixed Текст and text", "bad \xff\xfe utf-8 Ж", "\x00\x7f",
	} {
		c, l := countScripts(s)
		wc, wl := slow(s)
		if c != wc || l != wl {
			t.Errorf("countScripts(%q) = %d, %d; want %d, %d", s, c, l, wc, wl)
		}
	}
	for r := rune(0); r < 0x500; r++ {
		s := string(r)
		c, l := countScripts(s)
		wc, wl := slow(s)
		if c != wc || l != wl {
			t.Errorf("countScripts(%U) = %d, %d; want %d, %d", r, c, l, wc, wl)
		}
	}
}
