package core_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRulesDoc keeps docs/rules.md and the repository in step: every
// section the code, the docs and the migrations cite exists, and every
// test the document names as pinning a rule exists somewhere in the
// repository (tests may move between packages; their names must not
// dangle).
func TestRulesDoc(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found above the core package: %v", err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "rules.md"))
	if err != nil {
		t.Fatalf("docs/rules.md: %v", err)
	}
	sections := map[int]bool{}
	for _, m := range rulesHeading.FindAllStringSubmatch(string(doc), -1) {
		n, _ := strconv.Atoi(m[1])
		if sections[n] {
			t.Errorf("docs/rules.md has two sections numbered %d", n)
		}
		sections[n] = true
	}
	if len(sections) == 0 {
		t.Fatal("docs/rules.md has no numbered sections (## N. Title)")
	}

	var cites []rulesCite
	defined := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".sql", ".toml":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		cites = append(cites, findRulesCites(filepath.ToSlash(rel), string(b))...)
		if strings.HasSuffix(path, "_test.go") {
			for _, m := range testFunc.FindAllStringSubmatch(string(b), -1) {
				defined[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("sections", func(t *testing.T) {
		// The code cites the rules over a hundred times; finding few
		// means the scanner broke, not that the citations went away.
		if len(cites) < 50 {
			t.Fatalf("found %d citations of docs/rules.md, expected many more", len(cites))
		}
		t.Logf("checking %d section citations against %d sections", len(cites), len(sections))
		for _, c := range cites {
			if !sections[c.section] {
				t.Errorf("%s:%d cites docs/rules.md §%d, which has no section \"## %d.\"", c.file, c.line, c.section, c.section)
			}
		}
	})

	t.Run("tests", func(t *testing.T) {
		named := map[string]bool{}
		for _, m := range docTestName.FindAllStringSubmatch(string(doc), -1) {
			named[m[1]] = true
		}
		if len(named) == 0 {
			t.Fatal("docs/rules.md names no tests")
		}
		var missing []string
		for n := range named {
			if !defined[n] {
				missing = append(missing, n)
			}
		}
		slices.Sort(missing)
		t.Logf("docs/rules.md names %d tests", len(named))
		for _, n := range missing {
			t.Errorf("docs/rules.md names %s, but no _test.go file defines func %s", n, n)
		}
	})
}

var (
	// rulesHeading is a section heading: "## 5. Support credits".
	rulesHeading = regexp.MustCompile(`(?m)^## (\d+)\. `)
	// docTestName is a test named in the document, in backquotes.
	docTestName = regexp.MustCompile("`((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]*)`")
	// testFunc is a top-level test, benchmark or fuzz function.
	testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]*)\(`)
)

// rulesCite is one section cited, and where.
type rulesCite struct {
	file    string
	line    int
	section int
}

const rulesDocName = "docs/rules.md"

// findRulesCites returns every section cited after a mention of the
// document: "docs/rules.md §5", ranges such as §2–§4 or "§2 to §4"
// (every section in between counts), and lists such as "§1, §6" or
// "§8 and §9". A citation
// may continue on the next comment line ("docs/rules.md" at the end of
// one line of a comment, "§6" at the start of the next).
func findRulesCites(file, text string) []rulesCite {
	var out []rulesCite
	for off := 0; ; {
		i := strings.Index(text[off:], rulesDocName)
		if i < 0 {
			return out
		}
		start := off + i
		pos := start + len(rulesDocName)
		off = pos
		line := 1 + strings.Count(text[:start], "\n")
		pos = skipGap(text, pos, true)
		prev := 0
		for {
			n, next, ok := sectionAt(text, pos)
			if !ok {
				break
			}
			from := n
			if prev > 0 && prev < n {
				from = prev + 1 // a range: prev was cited already
			}
			for s := from; s <= n; s++ {
				out = append(out, rulesCite{file, line, s})
			}
			pos, prev = next, 0
			// What joins this section to the next: a dash makes a
			// range, a comma or "and" a list.
			j := skipGap(text, pos, false)
			switch {
			case strings.HasPrefix(text[j:], "–"), strings.HasPrefix(text[j:], "—"), strings.HasPrefix(text[j:], "-"):
				_, size := utf8.DecodeRuneInString(text[j:])
				prev = n
				pos = skipGap(text, j+size, false)
			case strings.HasPrefix(text[j:], "to "):
				prev = n
				pos = skipGap(text, j+len("to "), false)
			case strings.HasPrefix(text[j:], ","):
				pos = skipGap(text, j+1, false)
			case strings.HasPrefix(text[j:], "and "):
				pos = skipGap(text, j+len("and "), false)
			default:
				pos = -1
			}
			if pos < 0 {
				break
			}
		}
	}
}

// sectionAt reads "§N" at pos.
func sectionAt(text string, pos int) (n, next int, ok bool) {
	if pos < 0 || !strings.HasPrefix(text[pos:], "§") {
		return 0, 0, false
	}
	pos += len("§")
	end := pos
	for end < len(text) && text[end] >= '0' && text[end] <= '9' {
		end++
	}
	if end == pos {
		return 0, 0, false
	}
	n, err := strconv.Atoi(text[pos:end])
	if err != nil {
		return 0, 0, false
	}
	return n, end, true
}

// skipGap skips blanks; with lines, it also crosses a line break and the
// comment leader of the next line (//, --, #, *).
func skipGap(text string, pos int, lines bool) int {
	for pos < len(text) {
		switch c := text[pos]; {
		case c == ' ' || c == '\t':
			pos++
		case lines && (c == '\n' || c == '\r'):
			pos++
			for pos < len(text) && (text[pos] == ' ' || text[pos] == '\t') {
				pos++
			}
			for _, lead := range []string{"//", "--", "#", "*"} {
				if strings.HasPrefix(text[pos:], lead) {
					pos += len(lead)
					break
				}
			}
		default:
			return pos
		}
	}
	return pos
}
