package mail

import (
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// toUTF8 returns s as valid UTF-8. Valid UTF-8 sequences are kept; every
// other byte is read as windows-1252, the superset of latin-1 that old
// mailers sending raw 8-bit headers and unlabelled bodies almost always
// meant. Decoding byte by byte keeps the UTF-8 parts of mixed strings.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			r = charmap.Windows1252.DecodeByte(s[i])
			size = 1
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// lookupCharset finds a decoder for a MIME charset label, trying the
// WHATWG names first (they cover the labels mail clients really send,
// with the usual aliases such as latin1 or gb2312) and IANA's second.
func lookupCharset(label string) (encoding.Encoding, error) {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if e, err := htmlindex.Get(label); err == nil {
		return e, nil
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("unknown charset %q", label)
}

// strictWords decodes RFC 2047 encoded words in any charset we know and
// fails on others; looseWords passes the bytes of unknown charsets through
// so that toUTF8 can still make something readable of them.
var (
	strictWords = &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		e, err := lookupCharset(label)
		if err != nil {
			return nil, err
		}
		return e.NewDecoder().Reader(r), nil
	}}
	looseWords = &mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		if e, err := lookupCharset(label); err == nil {
			return e.NewDecoder().Reader(r), nil
		}
		return r, nil
	}}
)

// decodeHeader turns a raw, unfolded header value into display text:
// raw 8-bit bytes repaired, RFC 2047 words decoded, control characters
// turned into spaces. warn is non-empty when an encoded word could not be
// decoded faithfully.
func decodeHeader(raw string) (text, warn string) {
	s := toUTF8(raw)
	if strings.Contains(s, "=?") {
		s = padBase64Words(s)
		if out, err := strictWords.DecodeHeader(s); err == nil {
			s = out
		} else {
			warn = fmt.Sprintf("decoding encoded words: %v", err)
			if out, err := looseWords.DecodeHeader(s); err == nil {
				s = out
			}
		}
	}
	return cleanLine(toUTF8(s)), warn
}

// cleanLine makes s a single line: control characters become spaces,
// runs of spaces collapse, and the ends are trimmed.
func cleanLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r < 0x20 || r == 0x7f
	}), " ")
}

// bWord matches a B-encoded word, to repair its padding.
var bWord = regexp.MustCompile(`=\?([^?\s]+)\?([bB])\?([A-Za-z0-9+/]*)=*\?=`)

// padBase64Words restores the "=" padding that some mailers leave off
// B-encoded words; Go's decoder rejects such words and leaves them raw.
func padBase64Words(s string) string {
	return bWord.ReplaceAllStringFunc(s, func(w string) string {
		m := bWord.FindStringSubmatch(w)
		text := m[3]
		if n := len(text) % 4; n != 0 {
			text += strings.Repeat("=", 4-n)
		}
		return "=?" + m[1] + "?" + m[2] + "?" + text + "?="
	})
}
