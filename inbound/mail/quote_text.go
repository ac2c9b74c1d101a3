package mail

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitQuote separates the customer's new text from the history and
// signature their client appended (docs/rules.md §6). It follows the method of
// Discourse's email_reply_trimmer, whose fixtures are our oracle: every
// line gets a class (text, quote, attribution, header, delimiter,
// signature, empty), and a few rules over the string of classes decide
// what stays. Rules, not line-by-line cutting, are what keep inline
// answers: text between quoted lines stays, and only the history around
// it goes.
//
// newText is what stays, quoted is every line cut, in order; both have
// trailing whitespace trimmed. When nothing would be left the text stays
// whole, because the customer's words must never vanish.
func splitQuote(text string) (newText, quoted string) {
	head, tail := text, ""
	if i := lineEnd(text, maxTrimLines); i >= 0 {
		head, tail = text[:i], text[i:]
	}
	lines := strings.Split(head, "\n")
	keep := trimReply(lines)
	var kept, cut strings.Builder
	k := 0
	for i, l := range lines {
		b, n := &cut, i-k // n: lines written to b before
		if k < len(keep) && keep[k] == i {
			b, n = &kept, k
			k++
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	// Lines past the trimmer's reach go with the last line it read.
	if tail != "" {
		if len(keep) > 0 && keep[len(keep)-1] == len(lines)-1 {
			kept.WriteString(tail)
		} else {
			cut.WriteString(tail)
		}
	}
	newText = trimLines(kept.String())
	if strings.TrimSpace(newText) == "" {
		return trimLines(text), ""
	}
	return newText, trimLines(cut.String())
}

// maxTrimLines is how many lines the trimmer classifies. Replies are far
// shorter; a text longer than this (a pasted log, or a mail built to
// cost) is cut or kept after them as its last classified line is, and
// costs no more than a scan.
const maxTrimLines = 20000

// lineEnd returns the index of the n-th LF of s, or -1 when s has fewer.
func lineEnd(s string, n int) int {
	at := 0
	for ; n > 0; n-- {
		i := strings.IndexByte(s[at:], '\n')
		if i < 0 {
			return -1
		}
		at += i + 1
	}
	return at - 1
}

// The line classes of the trimmer.
const (
	classDelimiter = 'd'
	classEmbedded  = 'b' // attribution or forwarded-message marker
	classEmpty     = 'e'
	classHeader    = 'h'
	classQuote     = 'q'
	classSignature = 's'
	classText      = 't'
)

// The rules over the class string, in the order they are applied.
var (
	// The reply is at the end: history first, then only text.
	ruleBottomPost = regexp.MustCompile(`^(b[^t]+)*b[bqeh]+t[et]*$`)
	ruleBottomText = regexp.MustCompile(`t[et]*$`)
	// An attribution after text, not followed by a quote: Yahoo and
	// converted-HTML history, which is not ">"-quoted.
	ruleMarkerNoQuote = regexp.MustCompile(`te*b[^q]*$`)
	// An attribution after text, followed by a quote and little text.
	ruleMarkerQuote = regexp.MustCompile(`te*b[eqbh]*([te]*)$`)
	// Text before a quote that ends the mail.
	ruleTrailingQuote = regexp.MustCompile(`te*[qbe]+$`)
	// Header blocks that wrap over several lines.
	ruleWrappedHeaders = regexp.MustCompile(`h+[hte]+h+e`)
	// An Outlook-style header block of at least three fields after text.
	ruleHeaderBlock = regexp.MustCompile(`t[eq]*h{3,}`)
	ruleEndQuotes   = regexp.MustCompile(`[eq]+$`)
)

// maxTrailingAnswerLines is how many text lines may follow a quoted
// history before they count as an answer at the end rather than as part
// of the history (Discourse's threshold).
const maxTrailingAnswerLines = 7

// trimReply returns the indices of the lines that are new text.
func trimReply(lines []string) []int {
	t := &trimmer{class: classify(lines), idx: make([]int, len(lines))}
	for i := range t.idx {
		t.idx[i] = i
	}
	if i := strings.IndexByte(t.pattern(), classDelimiter); i >= 0 {
		t.keep(0, i)
	}
	t.drop(classSignature)
	if p := t.pattern(); ruleBottomPost.MatchString(p) {
		t.keep(ruleBottomText.FindStringIndex(p)[0], len(p))
	}
	if m := ruleMarkerNoQuote.FindStringIndex(t.pattern()); m != nil {
		t.keep(0, m[0]+1)
	}
	if m := ruleMarkerQuote.FindStringSubmatchIndex(t.pattern()); m != nil &&
		strings.Count(t.pattern()[m[2]:m[3]], "t") < maxTrailingAnswerLines {
		t.keep(0, m[0]+1)
	}
	if m := ruleTrailingQuote.FindStringIndex(t.pattern()); m != nil {
		t.keep(0, m[0]+1)
	}
	t.drop(classEmbedded)
	if m := ruleWrappedHeaders.FindStringIndex(t.pattern()); m != nil {
		for i := m[0]; i < m[1]; i++ {
			t.class[i] = classHeader
		}
	}
	if m := ruleHeaderBlock.FindStringIndex(t.pattern()); m != nil {
		t.keep(0, m[0]+1)
	}
	t.drop(classHeader)
	if p := t.pattern(); strings.IndexByte(p, classText) >= 0 {
		if m := ruleEndQuotes.FindStringIndex(p); m != nil {
			t.keep(0, m[0])
		}
	}
	return t.idx
}

// trimmer holds the lines still kept: their classes and their indices in
// the original text.
type trimmer struct {
	class []byte
	idx   []int
}

func (t *trimmer) pattern() string { return string(t.class) }

// keep keeps the lines [from, to) of those still kept.
func (t *trimmer) keep(from, to int) {
	t.class, t.idx = t.class[from:to], t.idx[from:to]
}

// drop removes every line of class c.
func (t *trimmer) drop(c byte) {
	n := 0
	for i := range t.class {
		if t.class[i] != c {
			t.class[n], t.idx[n] = t.class[i], t.idx[i]
			n++
		}
	}
	t.class, t.idx = t.class[:n], t.idx[:n]
}

// maxClassifiedLine is the longest line the patterns are tried on;
// longer lines are text. Attributions and header fields are short, and
// the bound keeps pathological lines cheap.
const maxClassifiedLine = 1000

// maxAttributionLines is how many lines a wrapped attribution may span.
const maxAttributionLines = 5

// classify gives every line its class. Lines inside a ``` code fence are
// text, so that code comments and rules are not taken for delimiters.
func classify(lines []string) []byte {
	class := make([]byte, len(lines))
	fenced := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
			class[i] = classText
			continue
		}
		if fenced {
			class[i] = classText
			continue
		}
		class[i] = classifyLine(l)
		switch class[i] {
		case classText, classQuote, classEmbedded:
			if n := wrappedAttribution(lines[i:]); n > 0 {
				for j := i; j < i+n; j++ {
					class[j] = classEmbedded
				}
				i += n - 1
			}
		}
	}
	return class
}

// classifyLine classifies one line on its own.
func classifyLine(l string) byte {
	switch {
	case strings.TrimSpace(l) == "":
		return classEmpty
	case isDelimiterLine(l):
		return classDelimiter
	case len(l) > maxClassifiedLine:
		return classText
	case maySign(stripMarkdownLinks(l)) && matchAny(mobileSignatures, stripMarkdownLinks(l)):
		return classSignature
	case isEmbeddedMarker(l):
		return classEmbedded
	case isHeaderLine(l):
		return classHeader
	case isQuoteLine(l):
		return classQuote
	}
	return classText
}

// isDelimiterLine matches a line made only of rule characters, such as
// "--", "____" or "****": a signature or history follows it.
func isDelimiterLine(l string) bool {
	l = strings.TrimSpace(l)
	if l == "" {
		return false
	}
	for _, r := range l {
		if !strings.ContainsRune("-_,=+~#*ᐧ—", r) {
			return false
		}
	}
	return true
}

// isQuoteLine matches the quote prefixes mail clients write: ">", and
// the older "Name>" and "|" forms.
func isQuoteLine(l string) bool {
	l = strings.TrimLeft(l, " \t")
	// A named quote's ">" comes within 20 letters.
	return strings.HasPrefix(l, ">") || strings.HasPrefix(l, "|") ||
		strings.IndexByte(l[:min(len(l), 81)], '>') > 0 && namedQuote.MatchString(l)
}

var namedQuote = regexp.MustCompile(`^(\pL{1,20}>|\|)([ \t>|]|$)`)

// isEmbeddedMarker matches an attribution or a forwarded-message marker.
// The markers either hold a "--" rule or begin a forward ("Begin
// forwarded message:", "Début du message transféré :"); checking that
// first keeps the patterns off ordinary lines.
func isEmbeddedMarker(l string) bool {
	return (strings.Contains(l, "--") || strings.Contains(l, "egin forwarded") || strings.Contains(l, "ébut du message")) &&
		matchAny(forwardMarkers, l) ||
		mayAttribute(l) && matchAny(attributions, l)
}

// isHeaderLine matches a field of a quoted header block. A field name
// is short and its colon is followed by a blank, which rules out most
// lines (URLs, times) before the patterns are tried.
func isHeaderLine(l string) bool {
	head := l[:min(len(l), 42)]
	c := strings.IndexByte(head, ':')
	if w := strings.Index(head, "："); w >= 0 && (c < 0 || w < c) {
		c = w
	}
	if c <= 0 || c >= 40 {
		return false
	}
	if rest := l[c:]; strings.HasPrefix(rest, ":") && len(rest) > 1 && rest[1] != ' ' && rest[1] != '\t' && rest[1] != 0xc2 {
		return false
	}
	return matchAny(headerMarkers, l)
}

// wrappedAttribution returns how many lines (2 to maxAttributionLines)
// an attribution that the client wrapped spans from lines[0], or 0. The
// lines are joined as one, like Discourse does before it classifies, and
// the "On <date> … wrote:" patterns are tried first, over every length,
// so that a date and address on the first lines do not end the match
// before the verb.
func wrappedAttribution(lines []string) int {
	if len(lines) < 2 || len(lines[0]) > maxClassifiedLine || !colonWithin(lines) || !mayStartAttribution(lines[0]) {
		return 0
	}
	var joined []string   // joined[n-2] is lines[0:n] as one line
	var attributes []bool // whether joined[i] holds an attribution word
	for _, g := range wrappedAttributions {
		if g.first != nil && !g.first(lines[0]) {
			continue
		}
		if g.mayHold(lines[0]) && matchAny(g.res, lines[0]) && endsWithColon(lines[0]) {
			return 0 // complete on its own line
		}
		if joined == nil {
			joined, attributes = joinLines(lines)
		}
		for i, j := range joined {
			if attributes[i] && g.mayHold(j) && spansLines(g.res, j, len(lines[0])) {
				return i + 2
			}
		}
	}
	return 0
}

// joinLines joins lines[0:n] into one line for each n from 2 to
// maxAttributionLines, as a client's wrapping would be undone, and says
// of each whether it holds an attribution word.
func joinLines(lines []string) (joined []string, attributes []bool) {
	j := strings.TrimRight(lines[0], " \t")
	for n := 2; n <= maxAttributionLines && n <= len(lines); n++ {
		if next := strings.TrimSpace(lines[n-1]); next != "" {
			j += " " + next
		}
		if len(j) > maxClassifiedLine {
			break
		}
		joined = append(joined, j)
		attributes = append(attributes, mayAttribute(j))
	}
	return joined, attributes
}

// colonWithin reports whether one of the lines after the first, up to
// maxAttributionLines, ends with a colon, as a wrapped attribution's
// last line does.
func colonWithin(lines []string) bool {
	for i := 1; i < len(lines) && i < maxAttributionLines; i++ {
		if endsWithColon(lines[i]) {
			return true
		}
	}
	return false
}

// endsWithColon reports whether l ends like a complete attribution does.
func endsWithColon(l string) bool {
	l = strings.TrimRightFunc(l, unicode.IsSpace)
	return strings.HasSuffix(l, ":") || strings.HasSuffix(l, "：")
}

// spansLines reports whether one of res matches joined from within its
// first line (first bytes long) to beyond it, so that neither a later
// line alone nor the first line alone is taken for a wrapped attribution.
func spansLines(res []*regexp.Regexp, joined string, first int) bool {
	for _, re := range res {
		if m := re.FindStringIndex(joined); m != nil && m[0] < first && m[1] > first {
			return true
		}
	}
	return false
}

// markdownLink matches [text](url), which some clients write for the
// store link of a signature.
var markdownLink = regexp.MustCompile(`\[([^\]]+)\]\([^)]+\)`)

func stripMarkdownLinks(l string) string {
	if !strings.Contains(l, "](") || !utf8.ValidString(l) {
		return l
	}
	return markdownLink.ReplaceAllString(l, "$1")
}
