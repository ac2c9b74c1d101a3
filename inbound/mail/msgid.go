package mail

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMsgIDLen bounds one msg-id; RFC 5322 lines stop at 998 octets.
const maxMsgIDLen = 998

// msgIDs extracts the msg-ids of a Message-ID, In-Reply-To or References
// value, without angle brackets and in order, each once. enmime leaves
// these fields raw, and real ones are messy, so it tolerates ids without
// brackets, comments, quoted phrases ("Your message of …"), commas and
// whitespace left from folding. junk counts the tokens it ignored.
func msgIDs(v string) (ids []string, junk int) {
	seen := map[string]bool{}
	add := func(id string, ok bool) {
		switch {
		case !ok:
			junk++
		case !seen[id]:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for i := 0; i < len(v); {
		switch c := v[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ';':
			i++
		case c == '(':
			i = skipComment(v, i)
		case c == '"':
			i = skipQuoted(v, i)
			junk++
		case c == '<':
			// An id runs to the next '>'; a '<' first means the '>'
			// was lost, and the next id starts there.
			end := strings.IndexAny(v[i+1:], "<>")
			var tok string
			switch {
			case end < 0:
				tok, i = v[i+1:], len(v)
			case v[i+1+end] == '<':
				tok, i = v[i+1:i+1+end], i+1+end
			default:
				tok, i = v[i+1:i+1+end], i+end+2
			}
			add(bracketedID(tok))
		default:
			j := i
			for j < len(v) && !strings.ContainsRune(" \t\r\n,;<(\"", rune(v[j])) {
				j++
			}
			add(bareID(v[i:j]))
			i = j
		}
	}
	return ids, junk
}

// bracketedID validates the text between < and >. Whitespace inside is
// left from folding a long id, so it is dropped, but then the id must look
// like one (contain an @), or "<foo bar>" junk would pass.
func bracketedID(tok string) (string, bool) {
	if strings.IndexFunc(tok, unicode.IsSpace) >= 0 {
		tok = strings.Join(strings.Fields(tok), "")
		if !strings.Contains(tok, "@") {
			return "", false
		}
	}
	return tok, validMsgID(tok)
}

// bareID validates an id written without brackets: it needs an @ with
// something on both sides, so that words of a phrase are never taken.
func bareID(tok string) (string, bool) {
	tok = strings.TrimRight(tok, ".>")
	at := strings.LastIndexByte(tok, '@')
	if at <= 0 || at == len(tok)-1 {
		return "", false
	}
	return tok, validMsgID(tok)
}

// validMsgID reports whether id can be stored and compared as a msg-id:
// non-empty, bounded, valid UTF-8 (RFC 6532 allows it), and free of
// whitespace, controls and the delimiters <, >, ( and ).
func validMsgID(id string) bool {
	if id == "" || len(id) > maxMsgIDLen || !utf8.ValidString(id) {
		return false
	}
	return strings.IndexFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>()", r)
	}) < 0
}

// skipComment returns the index after the RFC 5322 comment that starts at
// v[i] == '(', honouring nesting and backslash escapes.
func skipComment(v string, i int) int {
	depth := 0
	for ; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(v)
}

// skipQuoted returns the index after the quoted string at v[i] == '"'.
func skipQuoted(v string, i int) int {
	for i++; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(v)
}

// syntheticMsgID names a mail that has no usable Message-ID. It depends
// only on the raw bytes, so the same mail delivered twice gets the same id
// and is still stored once.
func syntheticMsgID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "missing-" + hex.EncodeToString(sum[:])[:32] + "@" + invalidDomain
}
