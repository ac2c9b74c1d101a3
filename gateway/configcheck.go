package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// envNotKeys are the HELPDESK_ variables that are not configuration keys:
// the configuration file's path, and the knobs of the tests and
// benchmarks (README.md).
var envNotKeys = []string{"HELPDESK_CONFIG", "HELPDESK_CORPUS", "HELPDESK_BENCH_MAILS", "HELPDESK_BENCH_TICKETS",
	"HELPDESK_CRASH_MAILS", "HELPDESK_REQUIRE_DOVECOT", "HELPDESK_REQUIRE_PYDKIM", "HELPDESK_REQUIRE_BROWSER",
	"HELPDESK_REQUIRE_PROMTOOL", "HELPDESK_REQUIRE_EXIM", "HELPDESK_REQUIRE_POSTGRES", "HELPDESK_ARTIFACTS"}

// unknownEnv refuses every HELPDESK_ variable that names no key, each
// with the nearest known name.
func unknownEnv(vars map[string]string, used, known map[string]bool) error {
	var names []string
	for k := range known {
		names = append(names, k)
	}
	names = append(names, envNotKeys...)
	var bad []string
	for k := range vars {
		if !used[k] && !slices.Contains(envNotKeys, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	var errs []error
	for _, k := range bad {
		msg := fmt.Sprintf("environment variable %s names no configuration key", k)
		if n := nearest(k, names); n != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", n)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// nearest returns the candidate closest to s by edit distance, or "" when
// none is within half of s's length.
func nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+1
	sort.Strings(candidates)
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownKeys reports every key of the file that no field takes, each
// with its line. A table nobody knows ([bogus]) is reported once, not
// again for each of its keys.
func unknownKeys(path string, data []byte, undecoded []toml.Key) error {
	if len(undecoded) == 0 {
		return nil
	}
	keys := map[string]bool{}
	for _, k := range undecoded {
		keys[k.String()] = true
	}
	lines := keyLines(data)
	type unknown struct {
		key  string
		line int
	}
	var out []unknown
	for _, k := range undecoded {
		ks := k.String()
		top := false
		for i := 1; i < len(k); i++ {
			if keys[k[:i].String()] {
				top = true // its table is unknown already
			}
		}
		if top {
			continue
		}
		line := 0
		if ls := lines[ks]; len(ls) > 0 {
			line, lines[ks] = ls[0], ls[1:]
		}
		out = append(out, unknown{ks, line})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	var b strings.Builder
	if len(out) == 1 {
		fmt.Fprintf(&b, "config %s: unknown key %s", path, out[0].key)
		if out[0].line > 0 {
			fmt.Fprintf(&b, " at line %d", out[0].line)
		}
		return errors.New(b.String())
	}
	fmt.Fprintf(&b, "config %s: %d unknown keys:", path, len(out))
	for _, u := range out {
		if u.line > 0 {
			fmt.Fprintf(&b, "\n  line %d: unknown key %s", u.line, u.key)
		} else {
			fmt.Fprintf(&b, "\n  unknown key %s", u.key)
		}
	}
	return errors.New(b.String())
}

// keyLines maps each key of a TOML document, in toml.Key's dotted form,
// to the lines where it is set or its table opens, in order. It is a
// line scanner, not a parser: it knows table headers, bare and quoted
// keys and skips multi-line strings, which is what locating a key takes.
func keyLines(data []byte) map[string][]int {
	out := map[string][]int{}
	var table []string
	inMulti := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if inMulti != "" {
			if strings.Count(line, inMulti)%2 == 1 {
				inMulti = ""
			}
			continue
		}
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "["):
			h := strings.Trim(strings.SplitN(line, "#", 2)[0], " \t")
			h = strings.TrimSpace(strings.Trim(h, "[]"))
			table = splitKey(h)
			out[toml.Key(table).String()] = append(out[toml.Key(table).String()], n)
			continue
		}
		k, rest, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key := toml.Key(append(slices.Clone(table), splitKey(strings.TrimSpace(k))...)).String()
		out[key] = append(out[key], n)
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(rest, q)%2 == 1 {
				inMulti = q
			}
		}
	}
	return out
}

// splitKey splits a dotted key, bare or quoted parts ("a"."b.c" is two).
func splitKey(s string) []string {
	var parts []string
	for s != "" {
		s = strings.TrimSpace(s)
		var p string
		if s != "" && (s[0] == '"' || s[0] == '\'') {
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				end = len(s) - 1
			}
			p, s = s[1:1+end], s[min(len(s), end+2):]
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			p, s = strings.TrimSpace(s[:i]), s[i:]
		}
		parts = append(parts, p)
		s = strings.TrimPrefix(strings.TrimSpace(s), ".")
	}
	return parts
}
