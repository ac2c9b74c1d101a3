package mail

import "strings"

// normalizeText makes a decoded body uniform for stripping and storage:
// valid UTF-8, LF line ends, no byte-order mark or NULs, no leading blank
// lines and no trailing whitespace at the end. Trailing spaces inside
// lines stay until splitQuote has seen them, because "-- " needs its space.
func normalizeText(s string) string {
	s = toUTF8(s)
	if strings.ContainsAny(s, "\r\x00") {
		// One pass and one copy, however long the text: CR LF and lone
		// CR become LF, NULs go.
		var b strings.Builder
		b.Grow(len(s))
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '\r':
				b.WriteByte('\n')
				if i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
			case 0:
			default:
				b.WriteByte(c)
			}
		}
		s = b.String()
	}
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.TrimRight(s, " \t\n\f\v")
	// Drop leading blank lines but keep the first line's indentation.
	for {
		line, rest, ok := strings.Cut(s, "\n")
		if !ok || strings.TrimSpace(line) != "" {
			break
		}
		s = rest
	}
	return s
}

// trimLines removes trailing whitespace from every line and blank lines
// at both ends: the final form of Text and Quoted.
func trimLines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for {
		line, rest, more := strings.Cut(s, "\n")
		b.WriteString(strings.TrimRight(line, " \t\f\v"))
		if !more {
			break
		}
		b.WriteByte('\n')
		s = rest
	}
	return strings.TrimRight(strings.TrimLeft(b.String(), "\n"), "\n")
}
