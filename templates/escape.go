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
	b.Grow(len(s) * 2)
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

// is reports whether the value s is the literal want, such as a status
// name. The template's eq cannot tell in markdown mode, where s is escaped
// ("pre\_closed") and want is not.
func (m mode) is(s, want string) bool {
	if m == markdownMode {
		want = escapeMarkdown(want)
	}
	return s == want
}
