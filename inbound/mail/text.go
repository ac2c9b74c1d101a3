package mail

import "strings"

// normalizeText makes a decoded body uniform for stripping and storage:
// valid UTF-8, LF line ends, no byte-order mark or NULs, no leading blank
// lines and no trailing whitespace at the end. Trailing spaces inside
// lines stay until splitQuote has seen them, because "-- " needs its space.
func normalizeText(s string) string {
	s = toUTF8(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
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
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\f\v")
	}
	s = strings.Join(lines, "\n")
	return strings.TrimRight(strings.TrimLeft(s, "\n"), "\n")
}
