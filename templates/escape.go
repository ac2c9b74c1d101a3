package templates

import (
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"helpdesk/core"
)

// asciiPunct is CommonMark's "ASCII punctuation character", the set that
// a backslash may escape.
const asciiPunct = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// mode says whether template values are raw (text part) or escaped for
// markdown (HTML part).
type mode bool

const (
	textMode     mode = false
	markdownMode mode = true
)

// multiline names the Notice fields that may keep their line breaks; all
// other strings are single-line.
var multiline = map[string]bool{"Text": true}

// normalise cleans every string of n: valid UTF-8, "\n" line ends, no
// control characters, and no line breaks at all in single-line fields
// (a Subject with a newline would break the layout of both parts).
func normalise(n core.Notice) core.Notice {
	mapStrings(&n, func(field, s string) string {
		if multiline[field] {
			if cleanMultiline(s) {
				return s
			}
		} else if cleanLine(s) {
			return s
		}
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
		if !multiline[field] {
			s = strings.Join(strings.Fields(s), " ")
		}
		return s
	})
	return n
}

// cleanMultiline reports whether normalise would leave a multi-line
// value as it is: valid UTF-8 without "\r" or control characters other
// than "\n" and "\t". Nearly every value is, and the check allocates
// nothing where the cleaning copies the text three times.
func cleanMultiline(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < ' ' && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) {
			return false
		}
		i += size
	}
	return true
}

// cleanLine reports whether normalise would leave a single-line value as
// it is: what cleanMultiline asks, no line breaks or tabs, and blanks
// that strings.Fields would not change (single spaces, none at either
// end, no other kind of space).
func cleanLine(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	space := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c < ' ' || c == 0x7f:
				return false
			case c == ' ':
				if space {
					return false
				}
				space = true
			default:
				space = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
		space = false
		i += size
	}
	return true
}

// escapeNotice returns n with every string escaped for markdown. It walks
// the struct by reflection so that a field added to core.Notice later is
// escaped without anyone remembering to.
func escapeNotice(n core.Notice) core.Notice {
	mapStrings(&n, func(_, s string) string { return escapeMarkdown(s) })
	return n
}

// mapStrings replaces each string field of the struct *p (also inside nested
// structs and slices) with f(fieldName, value).
func mapStrings(p any, f func(field, s string) string) {
	var walk func(v reflect.Value, field string)
	walk = func(v reflect.Value, field string) {
		switch v.Kind() {
		case reflect.String:
			if v.CanSet() {
				v.SetString(f(field, v.String()))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), v.Type().Field(i).Name)
				}
			}
		case reflect.Slice:
			// The struct is the caller's copy, but its slices and
			// pointers still share memory with the caller's: copy
			// them before changing anything through them.
			if v.CanSet() && !v.IsNil() {
				c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
				reflect.Copy(c, v)
				v.Set(c)
			}
			for i := range v.Len() {
				walk(v.Index(i), field)
			}
		case reflect.Pointer:
			if !v.IsNil() {
				if v.CanSet() {
					c := reflect.New(v.Type().Elem())
					c.Elem().Set(v.Elem())
					v.Set(c)
				}
				walk(v.Elem(), field)
			}
		}
	}
	walk(reflect.ValueOf(p).Elem(), "")
}

// escapeMarkdown makes s inert as markdown. CommonMark lets any ASCII
// punctuation be backslash-escaped, so escaping all of it defeats every
// construct (emphasis, links, autolinks, raw HTML, headings, lists, tables,
// GFM's bare-URL linkify) without having to know which characters matter
// where. Indentation would still start a code block, where backslashes show
// literally, so leading blanks become no-break spaces, which CommonMark does
// not count as indentation.
func escapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8 + 8)
	for i := 0; ; i++ {
		line, rest, more := strings.Cut(s, "\n")
		if i > 0 {
			b.WriteByte('\n')
		}
		escapeLine(&b, strings.TrimRight(line, " \t"))
		if !more {
			break
		}
		s = rest
	}
	return b.String()
}

// punct marks the bytes of asciiPunct.
var punct = func() (t [utf8.RuneSelf]bool) {
	for i := range len(asciiPunct) {
		t[asciiPunct[i]] = true
	}
	return t
}()

// escapeLine writes one line escaped. Runs of bytes that need nothing
// are copied whole; an invalid byte becomes U+FFFD, as ranging over the
// line's runes makes it.
func escapeLine(b *strings.Builder, line string) {
	i := 0
	for ; i < len(line); i++ {
		switch line[i] {
		case ' ':
			b.WriteString("\u00a0")
			continue
		case '\t':
			b.WriteString("\u00a0\u00a0\u00a0\u00a0")
			continue
		}
		break
	}
	start := i
	for i < len(line) {
		c := line[i]
		if c < utf8.RuneSelf {
			if punct[c] {
				b.WriteString(line[start:i])
				b.WriteByte('\\')
				start = i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(line[start:i])
			b.WriteString("\uFFFD")
			start = i + 1
		}
		i += size
	}
	b.WriteString(line[start:])
}

// unit is the length of the character a reader sees at the start of s:
// in markdown mode an escape "\X" is one character, so that cutting
// never separates the backslash from what it escapes.
func (m mode) unit(s string) int {
	_, n := utf8.DecodeRuneInString(s)
	if m == markdownMode && s[0] == '\\' && n < len(s) {
		_, n2 := utf8.DecodeRuneInString(s[n:])
		n += n2
	}
	return n
}

// excerpt returns the start of s, about n characters long. It cuts at the
// last blank in the final fifth of the limit when there is one, so that a
// word is not split, and marks the cut with an ellipsis.
func (m mode) excerpt(n int, s string) string {
	s = strings.TrimSpace(s) // unicode.IsSpace includes the no-break space
	if len(s) <= n {
		return s // no more characters than bytes
	}
	// The cut falls on one of the characters first..n; at[i-first] is
	// where character i starts, and at[n+1-first] where character n
	// ends. The text is walked no further than that.
	first := min(n*4/5+1, n)
	at := make([]int, 0, n+2-first)
	for i, k := 0, 0; ; k++ {
		if i == len(s) {
			return s // n characters or fewer
		}
		if k >= first {
			at = append(at, i)
		}
		i += m.unit(s[i:])
		if k == n {
			at = append(at, i)
			break
		}
	}
	cut := n
	for i := n; i > n*4/5; i-- {
		if isBlank(s[at[i-first]:at[i+1-first]]) {
			cut = i
			break
		}
	}
	out := strings.TrimRightFunc(s[:at[cut-first]], unicode.IsSpace)
	return out + " …"
}

func isBlank(u string) bool {
	return u == " " || u == "\n" || u == "\t" || u == "\u00a0"
}

// quote turns s into a block quote, the way mail clients quote. The "> "
// added here is markup, which is why it happens after escaping.
func (m mode) quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2*strings.Count(s, "\n") + 2)
	for {
		line, rest, more := strings.Cut(s, "\n")
		if line == "" {
			b.WriteByte('>')
		} else {
			b.WriteString("> ")
			b.WriteString(line)
		}
		if !more {
			return b.String()
		}
		b.WriteByte('\n')
		s = rest
	}
}

// is reports whether the value s is the literal want, such as a status
// name. The template's eq cannot tell in markdown mode, where s is escaped
// ("pre\_closed") and want is not.
func (m mode) is(s, want string) bool {
	if m == markdownMode {
		want = escapeMarkdown(want)
	}
	return s == want
}
