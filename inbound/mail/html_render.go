package mail

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlRenderer renders HTML tokens as text the way html2text
// (github.com/inbucket/html2text, which enmime uses) renders a parsed
// document, and notes where the quote containers and the Outlook
// history are in that text (htmlText).
//
// html2text walks the tree that golang.org/x/net/html builds; that tree
// takes some twenty times the size of the HTML in memory, html2text
// copies every bold text and heading once per level it is nested in,
// and the parser refuses documents nested deeper than 512 elements,
// which lost the whole text. Here the elements are an explicit stack:
// the implied end tags that matter for text (a new paragraph, list item
// or block closes an open paragraph, an end tag closes what it encloses)
// follow the HTML parsing rules, end tags are looked for no further than
// maxEndSearch elements down, elements deeper than maxHTMLDepth count as
// their text only, and everything written is bounded by limit.
type htmlRenderer struct {
	limit, used int
	cut         bool // text was dropped at the limit

	root      *textCtx
	ctxs      []*textCtx // root, then one per open bold text or heading
	stack     []htmlFrame
	openKinds map[atom.Atom]int // open elements by kind, to skip futile searches
	skip      int               // open elements whose content is not text
	body      bool              // the document's body has begun
	// afterPre is set right after a pre start tag, whose first line
	// break the parser drops.
	afterPre bool

	texts   int // non-blank texts seen
	outside int // of which outside quote containers
	quotes  []quoteSpan
	inQuote bool
	cands   []*outlookCandidate
	// outlookAt is where the Outlook history starts in root's text, -1
	// while unknown; outlookOutside is outside at that point.
	outlookAt, outlookOutside int
}

// Bounds of the element stack; see htmlRenderer.
const (
	maxHTMLDepth      = 512
	maxEndSearch      = 64
	maxSubContexts    = 8
	maxOpenCandidates = 4
	maxLinkText       = 64 << 10
)

// textCtx is html2text's rendering state; bold text and headings are
// rendered in a fresh one and written into the enclosing one as a whole.
type textCtx struct {
	buf             strings.Builder
	prefix          string
	blockquoteLevel int
	endsWithSpace   bool
	justClosedDiv   bool
	lineLength      int
	isPre           bool
}

// htmlFrame is an open element.
type htmlFrame struct {
	a    atom.Atom
	name string // for elements without an atom
	// special, boundary: the element's kind for the searches of end
	// tags (see find), noted once when it opens.
	special, boundary bool
	skip              bool // its content is not text: style, script, head
	sub               bool // it renders into a textCtx of its own
	quote             int  // 1 + its index in quotes, when it is a quote container
	cand              int  // 1 + its index in cands, when it may be Outlook's header
	// For a link: its target, and what its only child is, if it has one.
	href              string
	children          int
	onlyText, imgAlt  string
	textChild, imgKid bool
}

func newHTMLRenderer(limit int) *htmlRenderer {
	root := &textCtx{}
	return &htmlRenderer{limit: limit, root: root, ctxs: []*textCtx{root}, outlookAt: -1, openKinds: map[atom.Atom]int{}}
}

func (r *htmlRenderer) ctx() *textCtx { return r.ctxs[len(r.ctxs)-1] }

// full reports whether the limit dropped text, after which nothing more
// is read.
func (r *htmlRenderer) full() bool { return r.cut }

// outsideBefore is the count of texts outside quote containers before
// the history.
func (r *htmlRenderer) outsideBefore() int {
	if r.outlookAt >= 0 {
		return r.outlookOutside
	}
	return r.outside
}

// token handles the token z just read.
func (r *htmlRenderer) token(z *html.Tokenizer, tt html.TokenType) {
	afterPre := r.afterPre
	r.afterPre = false
	switch tt {
	case html.TextToken:
		b := z.Text()
		if afterPre && len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
		r.text(b)
	case html.StartTagToken, html.SelfClosingTagToken:
		name, more := z.TagName()
		var attrs tagAttrs
		for more {
			var k, v []byte
			k, v, more = z.TagAttr()
			attrs.set(k, v)
		}
		a := atom.Lookup(name)
		r.start(a, tagName(a, name), &attrs)
	case html.EndTagToken:
		name, _ := z.TagName()
		a := atom.Lookup(name)
		r.end(a, tagName(a, name))
	case html.CommentToken:
		r.child(htmlFrame{})
	}
}

// tagAttrs are the attributes the renderer reads; the first of each
// name counts, as in the HTML parser.
type tagAttrs struct {
	class, id, typ, style, href, alt string
	seen                             uint8
}

func (t *tagAttrs) set(k, v []byte) {
	var dst *string
	var bit uint8
	switch string(k) {
	case "class":
		dst, bit = &t.class, 1
	case "id":
		dst, bit = &t.id, 2
	case "type":
		dst, bit = &t.typ, 4
	case "style":
		dst, bit = &t.style, 8
	case "href":
		dst, bit = &t.href, 16
	case "alt":
		dst, bit = &t.alt, 32
	default:
		return
	}
	if t.seen&bit == 0 {
		*dst, t.seen = string(v), t.seen|bit
	}
}

// tagName is the name of an element without an atom (custom or unknown
// elements), which end tags are matched by.
func tagName(a atom.Atom, name []byte) string {
	if a != 0 {
		return ""
	}
	return string(name)
}

// text renders a text token.
func (r *htmlRenderer) text(b []byte) {
	blank := len(bytes.TrimSpace(b)) == 0
	if r.skip > 0 {
		if blank || !r.inHeadOnly() {
			return
		}
		r.closeHead() // text ends the head
	}
	if !blank {
		r.body = true
		r.texts++
		if !r.inQuote {
			r.outside++
		}
		for _, c := range r.cands {
			if !c.decided && c.open {
				c.add(b)
			}
		}
	}
	if top := r.top(); top != nil && top.a == atom.A {
		top.children++
		if top.children == 1 {
			top.textChild = true
			if len(b) <= maxLinkText {
				top.onlyText = string(b)
			}
		}
	}
	c := r.ctx()
	room := max(0, r.limit-r.used) + 1
	if c.isPre {
		r.emit(string(b[:min(len(b), room+utf8.UTFMax)]))
		return
	}
	r.emit(strings.TrimSpace(collapseSpace(b, room)))
}

// collapseSpace is html2text's spacing: runs of space, tab, CR and LF
// become one space. It stops after max bytes.
func collapseSpace(b []byte, max int) string {
	var s strings.Builder
	s.Grow(min(len(b), max))
	space := false
	for _, c := range b {
		if s.Len() >= max {
			break
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			space = true
			continue
		}
		if space {
			s.WriteByte(' ')
			space = false
		}
		s.WriteByte(c)
	}
	if space && s.Len() < max {
		s.WriteByte(' ')
	}
	return s.String()
}

func (r *htmlRenderer) top() *htmlFrame {
	if len(r.stack) == 0 {
		return nil
	}
	return &r.stack[len(r.stack)-1]
}

// child counts a node inside a link, for what html2text prints of it.
func (r *htmlRenderer) child(f htmlFrame) {
	top := r.top()
	if top == nil || top.a != atom.A {
		return
	}
	top.children++
	if top.children == 1 && f.a == atom.Img {
		top.imgKid, top.imgAlt = true, f.imgAlt
	}
}

// headElements may stand in the head; any other element begins the
// body.
var headElements = map[atom.Atom]bool{
	atom.Base: true, atom.Basefont: true, atom.Bgsound: true, atom.Link: true, atom.Meta: true,
	atom.Noframes: true, atom.Script: true, atom.Style: true, atom.Template: true, atom.Title: true,
	atom.Noscript: true, atom.Html: true, atom.Head: true,
}

// start handles a start tag.
func (r *htmlRenderer) start(a atom.Atom, name string, attrs *tagAttrs) {
	if a == atom.Image {
		a = atom.Img
	}
	switch a {
	case atom.Html:
		return
	case atom.Body:
		r.closeHead()
		r.body = true
		return
	case atom.Head:
		if !r.body && len(r.stack) == 0 {
			r.push(htmlFrame{a: a, skip: true})
		}
		return
	}
	if !headElements[a] {
		r.closeHead()
		r.body = true
	}
	r.impliedEnds(a)
	r.child(htmlFrame{a: a, imgAlt: attrs.alt})
	r.ctx().justClosedDiv = false
	if voidElements[a] {
		if a == atom.Br {
			r.emit("\n")
		}
		return
	}
	if len(r.stack) >= maxHTMLDepth {
		return
	}
	f := htmlFrame{a: a, name: name}
	r.mark(&f, attrs)
	r.open(&f, attrs)
	r.push(f)
}

// mark notes where a quote container or a possible Outlook header
// starts: before the element's own text, which goes with it when cut.
func (r *htmlRenderer) mark(f *htmlFrame, attrs *tagAttrs) {
	if r.outlookAt >= 0 || len(r.ctxs) > 1 {
		return
	}
	at := r.root.buf.Len()
	switch {
	case isOutlookMarker(attrs):
		r.cands = append(r.cands, &outlookCandidate{start: at, outsideBefore: r.outside, decided: true, is: true})
		r.resolveOutlook()
		return
	case mayBeOutlookHeader(f.a, attrs) && r.openCandidates() < maxOpenCandidates:
		r.cands = append(r.cands, &outlookCandidate{start: at, outsideBefore: r.outside, open: true})
		f.cand = len(r.cands)
	}
	if !r.inQuote && isQuoteContainer(f.a, attrs) {
		r.quotes = append(r.quotes, quoteSpan{start: at})
		f.quote = len(r.quotes)
		r.inQuote = true
	}
}

func (r *htmlRenderer) openCandidates() int {
	n := 0
	for _, c := range r.cands {
		if c.open {
			n++
		}
	}
	return n
}

// open renders what html2text writes when it enters an element.
func (r *htmlRenderer) open(f *htmlFrame, attrs *tagAttrs) {
	c := r.ctx()
	switch f.a {
	case atom.Style, atom.Script:
		f.skip = true
	case atom.Title:
		f.skip = !r.body
	case atom.H1, atom.H2, atom.H3, atom.B, atom.Strong:
		if len(r.ctxs) < maxSubContexts {
			f.sub = true
			r.ctxs = append(r.ctxs, &textCtx{endsWithSpace: f.a == atom.B || f.a == atom.Strong})
		}
	case atom.Blockquote:
		c.blockquoteLevel++
		c.prefix = strings.Repeat(">", c.blockquoteLevel) + " "
		r.emit("\n")
		if c.blockquoteLevel == 1 {
			r.emit("\n")
		}
	case atom.Div:
		if c.lineLength > 0 {
			r.emit("\n")
		}
	case atom.Li:
		r.emit("* ")
	case atom.A:
		f.href = attrs.href
	case atom.P, atom.Ul, atom.Table:
		r.emit("\n\n")
	case atom.Pre:
		c.isPre = true
		r.afterPre = true
	case atom.Listing, atom.Textarea:
		r.afterPre = true
	}
}

func (r *htmlRenderer) push(f htmlFrame) {
	if f.skip {
		r.skip++
	}
	f.special, f.boundary = special[f.a], scopeBoundary[f.a]
	r.openKinds[f.a]++
	r.stack = append(r.stack, f)
}

// end handles an end tag.
func (r *htmlRenderer) end(a atom.Atom, name string) {
	switch a {
	case atom.Html, atom.Body:
		return
	case atom.Head:
		r.closeHead()
		return
	case atom.Br:
		r.start(a, name, &tagAttrs{}) // </br> is read as <br>
		return
	}
	if r.skip > 0 && r.inHeadOnly() {
		return
	}
	if a == atom.P {
		if i := r.inScope(atom.P); i >= 0 {
			r.popTo(i)
		} else {
			// </p> alone makes an empty paragraph.
			r.ctx().justClosedDiv = false
			r.emit("\n\n")
			r.emit("\n\n")
		}
		return
	}
	i := r.find(a, name)
	switch {
	case i < 0:
	case formatting[a] && r.blockAbove(i) && r.stack[i].a != atom.A && !r.stack[i].sub:
		// The parser's adoption agency ends a formatting element
		// that blocks were opened in (<font><p>…</font>…</p>) by moving
		// the blocks out of it: they stay open. The element itself
		// renders as nothing.
		r.openKinds[a]--
		r.stack = append(r.stack[:i], r.stack[i+1:]...)
	default:
		r.popTo(i)
	}
}

// blockAbove reports whether an element of a kind that structures the
// document is open inside stack[i].
func (r *htmlRenderer) blockAbove(i int) bool {
	for _, f := range r.stack[i+1:] {
		if special[f.a] {
			return true
		}
	}
	return false
}

// inHeadOnly reports whether the innermost element whose content is not
// text is the head itself (and not a style or title in it).
func (r *htmlRenderer) inHeadOnly() bool {
	top := r.top()
	return top != nil && top.a == atom.Head
}

func (r *htmlRenderer) closeHead() {
	// The head is only ever opened as the first element.
	if len(r.stack) > 0 && r.stack[0].a == atom.Head {
		r.popTo(0)
	}
}

// find returns the open element an end tag closes, or -1: the nearest
// of its name, looked for no further than a scope boundary (for
// elements that structure a document) or an element of that kind (for
// any other), as the HTML parser does; formatting elements such as b or
// a are found across both.
func (r *htmlRenderer) find(a atom.Atom, name string) int {
	if r.openKinds[a] == 0 {
		return -1
	}
	isFormatting, isSpecial := formatting[a], special[a]
	for i, n := len(r.stack)-1, 0; i >= 0 && n < maxEndSearch; i, n = i-1, n+1 {
		f := &r.stack[i]
		if f.a == a && (a != 0 || f.name == name) {
			return i
		}
		switch {
		case isFormatting:
		case isSpecial:
			if f.boundary {
				return -1
			}
		case f.special:
			return -1
		}
	}
	return -1
}

// inScope returns the open element a in button scope, or -1.
func (r *htmlRenderer) inScope(a atom.Atom) int {
	if r.openKinds[a] == 0 {
		return -1
	}
	for i, n := len(r.stack)-1, 0; i >= 0 && n < maxEndSearch; i, n = i-1, n+1 {
		f := &r.stack[i]
		if f.a == a {
			return i
		}
		if f.boundary || f.a == atom.Button {
			return -1
		}
	}
	return -1
}

// impliedEnds closes what a start tag closes before it opens: an open
// paragraph before a block, the previous item of a list, cell or row.
func (r *htmlRenderer) impliedEnds(a atom.Atom) {
	if closesP[a] {
		if i := r.inScope(atom.P); i >= 0 {
			r.popTo(i)
		}
	}
	var same []atom.Atom         // open elements a closes
	var stops map[atom.Atom]bool // elements the search does not pass
	switch a {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if top := r.top(); top != nil && headings[top.a] {
			r.popTo(len(r.stack) - 1)
		}
		return
	case atom.Li:
		same, stops = []atom.Atom{atom.Li}, listStops
	case atom.Dd, atom.Dt:
		same, stops = []atom.Atom{atom.Dd, atom.Dt}, listStops
	case atom.Td, atom.Th:
		same, stops = []atom.Atom{atom.Td, atom.Th}, map[atom.Atom]bool{atom.Tr: true, atom.Table: true}
	case atom.Tr:
		same, stops = []atom.Atom{atom.Tr, atom.Td, atom.Th}, map[atom.Atom]bool{atom.Table: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true}
	case atom.Option:
		same, stops = []atom.Atom{atom.Option}, map[atom.Atom]bool{atom.Select: true}
	case atom.A:
		same, stops = []atom.Atom{atom.A}, scopeBoundary
	default:
		return
	}
	if !slices.ContainsFunc(same, func(s atom.Atom) bool { return r.openKinds[s] > 0 }) {
		return
	}
	for i, n := len(r.stack)-1, 0; i >= 0 && n < maxEndSearch; i, n = i-1, n+1 {
		f := r.stack[i].a
		for _, s := range same {
			if f == s {
				r.popTo(i)
				return
			}
		}
		if stops[f] {
			return
		}
	}
}

// popTo closes the open elements from the innermost down to stack[i].
func (r *htmlRenderer) popTo(i int) {
	for j := len(r.stack) - 1; j >= i; j-- {
		f := r.stack[j]
		r.stack = r.stack[:j]
		r.openKinds[f.a]--
		r.close(&f)
	}
}

// close renders what html2text writes when it leaves an element, and
// ends the spans that the element is.
func (r *htmlRenderer) close(f *htmlFrame) {
	if f.skip {
		r.skip--
	}
	c := r.ctx()
	switch {
	case f.sub:
		r.closeSub(f.a)
	case f.a == atom.Blockquote:
		c.blockquoteLevel--
		c.prefix = strings.Repeat(">", c.blockquoteLevel)
		if c.blockquoteLevel > 0 {
			c.prefix += " "
		}
		r.emit("\n\n")
	case f.a == atom.Div:
		if !c.justClosedDiv {
			r.emit("\n")
		}
		c.justClosedDiv = true
	case f.a == atom.Li:
		r.emit("\n")
	case f.a == atom.A:
		r.closeLink(f)
	case f.a == atom.P || f.a == atom.Ul || f.a == atom.Table:
		r.emit("\n\n")
	case f.a == atom.Pre:
		c.isPre = false
	}
	if f.quote > 0 {
		q := &r.quotes[f.quote-1]
		q.end, q.textAfter = r.root.buf.Len(), r.outside
		r.inQuote = false
	}
	if f.cand > 0 {
		c := r.cands[f.cand-1]
		c.decide()
		c.open = false
		r.resolveOutlook()
	}
}

// closeSub writes a bold text or heading into the enclosing context.
func (r *htmlRenderer) closeSub(a atom.Atom) {
	sub := r.ctx()
	r.ctxs = r.ctxs[:len(r.ctxs)-1]
	str := sub.buf.String()
	r.used -= len(str) // counted again as it is written below
	if a == atom.B || a == atom.Strong {
		r.emit("*" + str + "*")
		return
	}
	width := 0
	for _, line := range strings.Split(str, "\n") {
		width = max(width, utf8.RuneCountInString(line)-1)
	}
	rule := strings.Repeat("-", width)
	switch a {
	case atom.H1:
		rule = strings.Repeat("*", width)
	case atom.H3:
		r.emit("\n\n" + str + "\n" + rule + "\n\n")
		return
	}
	r.emit("\n\n" + rule + "\n" + str + "\n" + rule + "\n\n")
}

// closeLink writes a link's target after its text, unless the text is
// the target.
func (r *htmlRenderer) closeLink(f *htmlFrame) {
	if f.children == 1 && f.imgKid && f.imgAlt != "" {
		r.emit(f.imgAlt)
	}
	href := strings.TrimPrefix(strings.TrimSpace(f.href), "mailto:")
	linkText := ""
	if f.children == 1 && f.textChild {
		linkText = f.onlyText
	}
	if href != "" && linkText != href {
		r.emit("( " + href + " )")
	}
}

// resolveOutlook settles where the history starts: at the first
// candidate, in document order, that is Outlook's header, once every
// candidate before it is known not to be.
func (r *htmlRenderer) resolveOutlook() {
	if r.outlookAt >= 0 {
		return
	}
	for _, c := range r.cands {
		if !c.decided {
			return
		}
		if c.is {
			r.outlookAt, r.outlookOutside = c.start, c.outsideBefore
			return
		}
	}
}

// finish closes every element still open.
func (r *htmlRenderer) finish() {
	// What closing writes is small, or text already counted (bold text
	// and headings); let it through.
	r.cut = false
	r.limit = max(r.limit, r.used) + 1024
	r.popTo(0)
	for _, c := range r.cands {
		c.decide()
	}
	r.resolveOutlook()
}

// emit is html2text's emit: a space between words of adjacent texts,
// the quote prefix after every line break, lines in quotes wrapped.
func (r *htmlRenderer) emit(data string) {
	if data == "" || r.cut {
		return
	}
	if room := r.limit - r.used; len(data) > room {
		data = truncateRunes(data, room)
		r.cut = true
		if data == "" {
			return
		}
	}
	c := r.ctx()
	lines := []string{data}
	if c.blockquoteLevel > 0 {
		lines = c.breakLongLines(data)
	}
	for _, line := range lines {
		first, _ := utf8.DecodeRuneInString(line)
		if !unicode.IsSpace(first) && !c.endsWithSpace && !strings.HasPrefix(data, ".") {
			r.write(c, " ")
			c.lineLength++
		}
		last, _ := utf8.DecodeLastRuneInString(line)
		c.endsWithSpace = unicode.IsSpace(last)
		for line != "" {
			seg := line
			nl := strings.IndexByte(line, '\n')
			if nl >= 0 {
				seg = line[:nl+1]
			}
			line = line[len(seg):]
			r.write(c, validRunes(seg))
			if nl < 0 {
				c.lineLength += utf8.RuneCountInString(seg)
				continue
			}
			c.lineLength = 0
			if c.prefix != "" {
				r.write(c, c.prefix)
			}
			if r.used > r.limit {
				r.cut = true
				return
			}
		}
	}
}

func (r *htmlRenderer) write(c *textCtx, s string) {
	c.buf.WriteString(s)
	r.used += len(s)
}

// truncateRunes cuts s to at most n bytes at a character boundary.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !validStart(s[n]) {
		n--
	}
	return s[:n]
}

// validRunes writes each byte that is not part of a UTF-8 character as
// U+FFFD, as html2text's writing rune by rune does.
func validRunes(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// maxLineLen is how long html2text lets a line in a quote grow.
const maxLineLen = 74

// breakLongLines is html2text's wrapping of text in quotes.
func (c *textCtx) breakLongLines(data string) []string {
	var ret []string
	runes := []rune(data)
	l, existing := len(runes), c.lineLength
	if existing >= maxLineLen {
		ret = append(ret, "\n")
		existing = 0
	}
	for l+existing > maxLineLen {
		i := maxLineLen - existing
		for i >= 0 && !unicode.IsSpace(runes[i]) {
			i--
		}
		if i == -1 {
			i = maxLineLen - existing
			for i < l && !unicode.IsSpace(runes[i]) {
				i++
			}
		}
		ret = append(ret, string(runes[:i])+"\n")
		for i < l && unicode.IsSpace(runes[i]) {
			i++
		}
		runes = runes[i:]
		l = len(runes)
		existing = 0
	}
	if len(runes) > 0 {
		ret = append(ret, string(runes))
	}
	return ret
}

// The element kinds of the HTML parsing rules that the stack follows.
var (
	voidElements = atoms(atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Keygen, atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr, atom.Basefont,
		atom.Bgsound, atom.Frame)
	closesP = atoms(atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Center, atom.Details,
		atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer,
		atom.Header, atom.Hgroup, atom.Main, atom.Menu, atom.Nav, atom.Ol, atom.P, atom.Section, atom.Summary,
		atom.Ul, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Pre, atom.Listing, atom.Form,
		atom.Hr, atom.Xmp, atom.Plaintext, atom.Li, atom.Dd, atom.Dt)
	headings      = atoms(atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6)
	scopeBoundary = atoms(atom.Applet, atom.Caption, atom.Html, atom.Table, atom.Td, atom.Th, atom.Marquee,
		atom.Object, atom.Template)
	listStops = atoms(atom.Applet, atom.Caption, atom.Html, atom.Table, atom.Td, atom.Th, atom.Marquee,
		atom.Object, atom.Template, atom.Ol, atom.Ul)
	formatting = atoms(atom.A, atom.B, atom.Big, atom.Code, atom.Em, atom.Font, atom.I, atom.Nobr, atom.S,
		atom.Small, atom.Strike, atom.Strong, atom.Tt, atom.U)
	special = atoms(atom.Address, atom.Applet, atom.Area, atom.Article, atom.Aside, atom.Base, atom.Basefont,
		atom.Bgsound, atom.Blockquote, atom.Body, atom.Br, atom.Button, atom.Caption, atom.Center, atom.Col,
		atom.Colgroup, atom.Dd, atom.Details, atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Embed, atom.Fieldset,
		atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.Frame, atom.Frameset, atom.H1, atom.H2,
		atom.H3, atom.H4, atom.H5, atom.H6, atom.Head, atom.Header, atom.Hgroup, atom.Hr, atom.Html,
		atom.Iframe, atom.Img, atom.Input, atom.Keygen, atom.Li, atom.Link, atom.Listing, atom.Main,
		atom.Marquee, atom.Menu, atom.Meta, atom.Nav, atom.Noembed, atom.Noframes, atom.Noscript,
		atom.Object, atom.Ol, atom.P, atom.Param, atom.Plaintext, atom.Pre, atom.Script, atom.Section,
		atom.Select, atom.Source, atom.Style, atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Template,
		atom.Textarea, atom.Tfoot, atom.Th, atom.Thead, atom.Title, atom.Tr, atom.Track, atom.Ul, atom.Wbr,
		atom.Xmp)
)

func atoms(as ...atom.Atom) map[atom.Atom]bool {
	m := make(map[atom.Atom]bool, len(as))
	for _, a := range as {
		m[a] = true
	}
	return m
}
