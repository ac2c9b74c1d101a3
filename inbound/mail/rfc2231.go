package mail

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// rfc2231Param matches one RFC 2231 parameter section: name*N*=value,
// name*N=value or name*=value, quoted or not.
var rfc2231Param = regexp.MustCompile(`(?i)(?:^|;)\s*(filename|name)\*(\d+)?(\*)?\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)`)

// rfc2231Name decodes a file name that a header gives in RFC 2231 form,
// with continuations and a charset, or returns "". Go's MIME parser only
// knows UTF-8 and ASCII there and drops the sections in other charsets,
// which loses names such as Latin-1 "Rechnung für.pdf". filename wins
// over name.
func rfc2231Name(headers ...string) string {
	for _, param := range []string{"filename", "name"} {
		for _, h := range headers {
			if name := rfc2231Value(h, param); name != "" {
				return name
			}
		}
	}
	return ""
}

func rfc2231Value(header, param string) string {
	type section struct {
		n       int
		encoded bool
		value   string
	}
	var sections []section
	for _, m := range rfc2231Param.FindAllStringSubmatch(header, 50) {
		if !strings.EqualFold(m[1], param) {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		v := strings.TrimSpace(m[4])
		if uq, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
			v = uq
		}
		sections = append(sections, section{n, m[3] != "" || m[2] == "", v})
	}
	if len(sections) == 0 {
		return ""
	}
	sort.SliceStable(sections, func(i, j int) bool { return sections[i].n < sections[j].n })
	charset := ""
	var raw strings.Builder
	for i, s := range sections {
		v := s.value
		if i == 0 && s.encoded {
			if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
				charset, v = parts[0], parts[2]
			}
		}
		if s.encoded {
			if u, err := url.PathUnescape(strings.ReplaceAll(v, "+", "%2B")); err == nil {
				v = u
			}
		}
		raw.WriteString(v)
	}
	text := raw.String()
	if charset != "" && !isUTF8Label(strings.ToLower(charset)) {
		if enc, err := lookupCharset(charset); err == nil {
			if out, err := enc.NewDecoder().String(text); err == nil {
				text = out
			}
		}
	}
	return toUTF8(text)
}
