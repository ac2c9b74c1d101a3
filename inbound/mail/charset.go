package mail

import (
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
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

// utf8MediaType parses a Content-Type for enmime and, for text parts,
// tells enmime the charset is UTF-8, so that it passes the bytes through
// undecoded. decodeCharsets then decodes them,
// because it can do what enmime cannot: notice that a part labelled Big5
// or us-ascii is in fact UTF-8 (a common mislabel) and keep it as it is.
// Guessing charsets for every part (enmime's default) is also the
// slowest step of parsing a mail; decodeCharsets guesses only for
// unlabelled parts that are not UTF-8.
func utf8MediaType(ctype string) (string, map[string]string, []string, error) {
	// The standard parser is much faster and reads well-formed values the
	// same way; enmime's tolerant one repairs the others.
	mt, params, err := mime.ParseMediaType(ctype)
	var invalid []string
	if err != nil {
		mt, params, invalid, err = mediatype.Parse(ctype)
	}
	if err == nil && strings.HasPrefix(mt, "text/") {
		if params == nil {
			params = map[string]string{}
		}
		params["charset"] = "utf-8"
	}
	return mt, params, invalid, err
}

// decodeCharsets converts the content of every text part with a declared
// charset to UTF-8 and returns warnings named like enmime's, for
// operators who know those. Content that is valid UTF-8 with non-ASCII
// characters stays UTF-8 whatever the label says: no real text in a
// legacy charset is valid UTF-8 by chance. Unknown charsets are read as
// windows-1252, byte by byte, like raw 8-bit headers.
func decodeCharsets(root *enmime.Part) []string {
	var warnings []string
	for _, p := range root.DepthMatchAll(func(p *enmime.Part) bool { return strings.HasPrefix(p.ContentType, "text/") }) {
		_, params, _, _ := mediatype.Parse(p.Header.Get("Content-Type"))
		label := strings.ToLower(strings.Trim(strings.TrimSpace(params["charset"]), `"'`))
		if label == "" && p.ContentType == "text/html" {
			label = metaCharset(p.Content)
		}
		if label == "" {
			// Unlabelled: UTF-8 (or ASCII) as it is, else the best guess.
			if utf8.Valid(p.Content) {
				continue
			}
			label = guessCharset(p)
		}
		p.Charset = label
		if !isUTF8Label(label) && !isASCII(p.Content) && utf8.Valid(p.Content) {
			warnings = append(warnings, fmt.Sprintf("[W] %s: part %s declares charset %q but is UTF-8; kept as UTF-8", enmime.ErrorCharsetDeclaration, p.PartID, label))
			continue
		}
		if isUTF8Label(label) || label == "us-ascii" || label == "ascii" {
			continue // toUTF8 repairs stray 8-bit bytes later
		}
		enc, err := lookupCharset(label)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("[W] %s: part %s: %v, read as windows-1252", enmime.ErrorCharsetConversion, p.PartID, err))
			p.Content = []byte(toUTF8(string(p.Content)))
			continue
		}
		out, err := enc.NewDecoder().Bytes(p.Content)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("[W] %s: part %s: decoding %s: %v", enmime.ErrorCharsetConversion, p.PartID, label, err))
			out = []byte(toUTF8(string(p.Content)))
		}
		p.Content = out
	}
	return warnings
}

// metaTag finds the charset an HTML document declares in a meta tag.
var metaTag = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)`)

// metaCharset returns the charset of the first meta tag in the first
// kilobytes of an HTML part, lower case, or "".
func metaCharset(b []byte) string {
	if len(b) > 4096 {
		b = b[:4096]
	}
	if m := metaTag.FindSubmatch(b); m != nil {
		return strings.ToLower(string(m[1]))
	}
	return ""
}

// guessCharset names the likely charset of an unlabelled text part that
// is not UTF-8, or windows-1252 when the guess is weak: old mailers that
// send no label mostly meant Latin-1.
func guessCharset(p *enmime.Part) string {
	d := chardet.NewTextDetector()
	if p.ContentType == "text/html" {
		d = chardet.NewHtmlDetector()
	}
	sample := p.Content
	if len(sample) > guessSample {
		sample = sample[:guessSample]
	}
	if r, err := d.DetectBest(sample); err == nil && r.Confidence >= minGuessConfidence {
		return strings.ToLower(r.Charset)
	}
	return "windows-1252"
}

// guessSample is how much of a part the guess reads: the charset shows
// in the first pages, and the guess costs time and memory in the size
// of what it reads.
const guessSample = 64 << 10

// minGuessConfidence is the chardet confidence (0-100) below which a
// guess is not trusted; enmime uses the same threshold.
const minGuessConfidence = 85

func isUTF8Label(label string) bool {
	switch label {
	case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
		return true
	}
	return false
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
