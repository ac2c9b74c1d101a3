package mail

import (
	"strings"
	"unicode/utf8"
)

// keywords tells whether a string holds any of a set of lower-case words,
// ignoring case, in one pass over the string. The trimmer asks this of
// every line before it tries its patterns, so one strings.Contains per
// word (about fifty of them) cost more than everything else it did.
type keywords struct {
	// pairs has a bit for the first two bytes of each word of two bytes
	// or more; byPair holds those words.
	pairs  [1 << 16 / 64]uint64
	byPair map[uint16][]string
	single string // the one-byte words
}

func newKeywords(words ...string) *keywords {
	k := &keywords{byPair: map[uint16][]string{}}
	for _, w := range words {
		if w != strings.ToLower(w) {
			panic("keywords: " + w + " is not lower case")
		}
		if len(w) == 1 {
			k.single += w
			continue
		}
		p := uint16(w[0])<<8 | uint16(w[1])
		k.pairs[p>>6] |= 1 << (p & 63)
		k.byPair[p] = append(k.byPair[p], w)
	}
	return k
}

// in reports whether s holds one of the words, in any case.
func (k *keywords) in(s string) bool {
	if k.single != "" && strings.ContainsAny(s, k.single) {
		return true
	}
	if !asciiString(s) {
		// Unicode case folding changes byte lengths; lower the whole
		// string, then compare bytes.
		s = strings.ToLower(s)
		for i := 0; i+1 < len(s); i++ {
			if p := uint16(s[i])<<8 | uint16(s[i+1]); k.pairs[p>>6]&(1<<(p&63)) != 0 {
				for _, w := range k.byPair[p] {
					if strings.HasPrefix(s[i:], w) {
						return true
					}
				}
			}
		}
		return false
	}
	for i := 0; i+1 < len(s); i++ {
		if p := uint16(lowerASCII(s[i]))<<8 | uint16(lowerASCII(s[i+1])); k.pairs[p>>6]&(1<<(p&63)) != 0 {
			for _, w := range k.byPair[p] {
				if len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
					return true
				}
			}
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func asciiString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
