package mail

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText turns an HTML body into text (links kept as "text ( URL )")
// and cuts the history that mail clients wrap in known containers:
//   - Gmail's div.gmail_quote, Yahoo's div.yahoo_quoted, Thunderbird's
//     div.moz-cite-prefix and the blockquote type=cite of Apple Mail,
//     iOS and Thunderbird are cut when no text follows them; with text
//     after them they hold inline answers, and stay as "> " lines for
//     the text trimmer to sort out;
//   - Outlook's reply header (div#divRplyFwdMsg, the #appendonsend
//     marker, and the bordered "From:" block of the desktop client)
//     starts the history: it and everything after it are cut.
//
// quoted is the text of what was cut. When nothing but history is left,
// all of it stays the text. The text is rendered as html2text renders it
// (see htmlRenderer), but in one pass over the tokens, without building
// the document tree: memory is the text it makes, and time linear in
// src. At most limit bytes of text are made; truncated says the rest of
// src was not read.
func htmlText(src []byte, limit int) (text, quoted string, truncated bool) {
	r := newHTMLRenderer(limit)
	z := html.NewTokenizer(bytes.NewReader(src))
	for !r.full() {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		r.token(z, tt)
	}
	truncated = r.full()
	r.finish()
	out := r.root.buf.String()
	outlook := len(out)
	if r.outlookAt >= 0 {
		outlook = r.outlookAt
	}
	cuts := r.cutQuotes(outlook)
	var kept strings.Builder
	var parts []string
	at := 0
	for _, q := range cuts {
		kept.WriteString(out[at:q.start])
		if t := strings.TrimSpace(finishText(out[q.start:q.end])); t != "" {
			parts = append(parts, t)
		}
		at = q.end
	}
	kept.WriteString(out[at:outlook])
	if t := strings.TrimSpace(finishText(out[outlook:])); t != "" {
		parts = append(parts, t)
	}
	text = finishText(kept.String())
	if strings.TrimSpace(text) == "" && (len(cuts) > 0 || outlook < len(out)) {
		// Only history: keep it all as the text rather than lose it.
		return finishText(out), "", truncated
	}
	return text, strings.Join(parts, "\n\n"), truncated
}

// cutQuotes returns the quote containers to cut, with their spans ended
// at the history: going back from the last one, each that no text
// follows, other than that of the containers cut after it.
func (r *htmlRenderer) cutQuotes(outlook int) []quoteSpan {
	var cuts []quoteSpan
	for i := len(r.quotes) - 1; i >= 0; i-- {
		q := r.quotes[i]
		if q.start >= outlook {
			continue
		}
		// A container the history starts in ends there.
		if q.end < outlook && q.textAfter != r.outsideBefore() {
			break
		}
		q.end = min(q.end, outlook)
		cuts = append([]quoteSpan{q}, cuts...)
	}
	return cuts
}

// finishText is html2text's last step: no space after a line break,
// no more than one blank line, no white space at the ends.
func finishText(s string) string {
	s = strings.ReplaceAll(s, "\n ", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.Index(s, "\n\n")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i+2])
		s = strings.TrimLeft(s[i+2:], "\n")
	}
	return strings.TrimSpace(b.String())
}

// quoteSpan is where an outermost quote container is in the rendered
// text, and how many texts outside containers came before its end (a
// container is cut when that is all of them).
type quoteSpan struct {
	start, end int
	textAfter  int
}

func isQuoteContainer(a atom.Atom, attrs *tagAttrs) bool {
	switch a {
	case atom.Blockquote:
		return strings.EqualFold(attrs.typ, "cite") || hasClass(attrs, "gmail_quote")
	case atom.Div:
		return hasClass(attrs, "gmail_quote") || hasClass(attrs, "yahoo_quoted") ||
			hasClass(attrs, "moz-cite-prefix") || strings.HasPrefix(attrs.id, "yahoo_quoted")
	}
	return false
}

// isOutlookMarker matches the elements of Outlook on the web that start
// the history; the rule it draws just before renders as nothing.
func isOutlookMarker(attrs *tagAttrs) bool {
	return attrs.id == "divRplyFwdMsg" || attrs.id == "appendonsend"
}

// mayBeOutlookHeader matches the desktop client's separator by its
// style: a div with a solid top border. Its text decides (outlookCandidate).
func mayBeOutlookHeader(a atom.Atom, attrs *tagAttrs) bool {
	return a == atom.Div && strings.Contains(strings.ToLower(strings.ReplaceAll(attrs.style, " ", "")), "border-top:solid")
}

// outlookHeadLen is how much of a bordered div's text is read to see
// whether it starts with a header field ("From:", "Von:", "De:" …).
const outlookHeadLen = 200

// outlookCandidate is a bordered div whose text is still being read.
type outlookCandidate struct {
	start         int // where it starts in the rendered text
	outsideBefore int // texts outside quote containers before it
	head          []byte
	open          bool // its end tag is still to come
	decided, is   bool // is: it starts the history
}

// add reads more of the div's text; once there is enough, it decides.
func (c *outlookCandidate) add(s []byte) {
	if c.decided {
		return
	}
	if len(c.head) == 0 {
		s = bytes.TrimLeftFunc(s, unicode.IsSpace)
	}
	c.head = append(c.head, s[:min(len(s), outlookHeadLen+8-len(c.head))]...)
	if len(c.head) >= outlookHeadLen {
		c.decide()
	}
}

func (c *outlookCandidate) decide() {
	if c.decided {
		return
	}
	t := strings.TrimSpace(string(c.head))
	if len(t) > outlookHeadLen {
		t = t[:outlookHeadLen]
	}
	c.decided, c.is = true, isHeaderLine(strings.TrimLeft(t, "* "))
}

func hasClass(attrs *tagAttrs, class string) bool {
	for _, c := range strings.Fields(attrs.class) {
		if c == class {
			return true
		}
	}
	return false
}
