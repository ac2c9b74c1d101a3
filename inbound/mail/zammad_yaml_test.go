package mail

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// zammadMail is what the conformance test reads of a Zammad expectation
// file: top-level scalars and, per attachment, its file name and type.
type zammadMail struct {
	fields      map[string]string
	attachments []zammadAttachment
}

type zammadAttachment struct{ filename, mimeType string }

// readZammadYAML reads the few shapes of YAML these files use (plain,
// quoted and block scalars; one list of maps), so that the test needs no
// YAML library. Ruby type tags are ignored.
func readZammadYAML(t *testing.T, path string) zammadMail {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	m := zammadMail{fields: map[string]string{}}
	var cur *zammadAttachment
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		indent := len(l) - len(strings.TrimLeft(l, " "))
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "- ") && indent == 0 {
			m.attachments = append(m.attachments, zammadAttachment{})
			cur = &m.attachments[len(m.attachments)-1]
			continue
		}
		key, rest, ok := strings.Cut(trimmed, ":")
		if !ok || strings.ContainsAny(key, " '\"") && key != "Mime-Type" {
			continue
		}
		value, next := yamlScalar(strings.TrimSpace(rest), lines, i, indent)
		i = next
		switch {
		case indent == 0:
			m.fields[key] = value
		case cur != nil && key == "filename":
			cur.filename = value
		case cur != nil && key == "Mime-Type":
			cur.mimeType = value
		}
	}
	return m
}

// yamlScalar reads the scalar that starts with v on line i (indented by
// indent) and returns it with the index of its last line.
func yamlScalar(v string, lines []string, i, indent int) (string, int) {
	switch {
	case strings.HasPrefix(v, "|"):
		var out []string
		j := i + 1
		for ; j < len(lines); j++ {
			l := lines[j]
			if strings.TrimSpace(l) != "" && len(l)-len(strings.TrimLeft(l, " ")) <= indent {
				break
			}
			out = append(out, strings.TrimPrefix(l, strings.Repeat(" ", indent+2)))
		}
		return strings.Join(out, "\n"), j - 1
	case strings.HasPrefix(v, "'") || strings.HasPrefix(v, `"`):
		q := v[:1]
		s := v
		j := i
		for !closedQuote(s, q) && j+1 < len(lines) {
			j++
			s += " " + strings.TrimSpace(lines[j])
		}
		if q == `"` {
			if u, err := strconv.Unquote(s); err == nil {
				return u, j
			}
			return strings.Trim(s, `"`), j
		}
		return strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(s, "'"), "'"), "''", "'"), j
	}
	return v, i
}

func closedQuote(s, q string) bool {
	if len(s) < 2 || !strings.HasSuffix(s, q) {
		return false
	}
	if q == "'" {
		return (len(s)-len(strings.TrimRight(s, "'")))%2 == 1 || strings.Count(s, "'")%2 == 0
	}
	return !strings.HasSuffix(s, `\"`)
}
