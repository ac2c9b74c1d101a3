package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/jhillyerd/enmime/v2"
)

// readParts builds the MIME tree of msg the way enmime's ReadParts does,
// with its repairs and warnings, but in time linear in msg and without
// copying bodies that need no decoding.
//
// enmime reads a part through one boundary reader per enclosing
// multipart, byte by byte, so each byte costs as much as the part is
// deep: 5,000 levels took 10 s and 20,000 levels minutes. It appends
// each child to the end of its parent's list of children, walking the
// list every time, which made 100,000 parts cost minutes and gigabytes.
// Here every multipart's body is split at its own boundary lines with
// byte searches over msg, children are appended in constant time, and
// enmime only reads the header of each part and decodes the parts that
// have a transfer encoding (base64, quoted-printable). A part with no
// encoding keeps a slice of msg as its Content.
//
// The walk stops at the limits of opts: a multipart nested deeper than
// MaxMIMEDepth or a part past MaxMIMEParts ends it with a *LimitError,
// having read no further than that part.
func readParts(msg []byte, opts ParseOptions) (*enmime.Part, error) {
	t := &treeReader{opts: opts}
	root, err := t.header(msg, true)
	if err != nil {
		return nil, err
	}
	root.p.PartID = "0"
	if !multipartRoot(root.p) {
		return root.p, t.decode(root, msg)
	}
	if err := t.children(root.p, msg[root.body:], 1); err != nil {
		return nil, err
	}
	return root.p, nil
}

// treeReader holds the limits and the count of parts of one readParts.
type treeReader struct {
	opts  ParseOptions
	parts int
	// br is handed to enmime for every part, which reads through it
	// rather than allocate a buffer of its own each time.
	br *bufio.Reader
}

// read runs enmime's ReadParts over b.
func (t *treeReader) read(b []byte) (*enmime.Part, error) {
	if t.br == nil {
		t.br = bufio.NewReaderSize(nil, 4096)
	}
	t.br.Reset(bytes.NewReader(b))
	return parser.ReadParts(t.br)
}

// part is a part whose header is read: its body begins at body, and the
// first hdrProblems of its problems are the header's.
type part struct {
	p           *enmime.Part
	body        int
	hdrProblems int
}

// header reads the header at the start of region into a new part, the
// way enmime reads the top-level header (root) or a child part's.
func (t *treeReader) header(region []byte, root bool) (part, error) {
	end := headerEnd(region)
	p, err := t.read(region[:end])
	if err != nil {
		return part{}, err
	}
	h := part{p: p, body: end, hdrProblems: len(p.Errors)}
	if !root && p.Header.Get("Content-Type") == "" {
		// enmime reads a child part without a type as having none at
		// all (the top level defaults to text/plain), and stops
		// reading its header fields there.
		p.ContentType, p.Charset, p.Boundary = "", "", ""
		p.Disposition, p.FileName, p.ContentID = "", "", ""
		addProblem(p, enmime.ErrorMissingContentType, "MIME parts should have a Content-Type header", false)
	}
	return h, nil
}

// headerEnd returns where the body of region begins: after the first
// empty line, or at the end when there is none.
func headerEnd(region []byte) int {
	for i := 0; i < len(region); {
		j := bytes.IndexByte(region[i:], '\n')
		if j < 0 {
			return len(region)
		}
		if j == 0 || j == 1 && region[i] == '\r' {
			return i + j + 1
		}
		i += j + 1
	}
	return len(region)
}

// decode sets the Content of the leaf part h, read from region. A body
// without a transfer encoding is its content as it is (enmime would copy
// it unchanged: charsets are decoded later by decodeCharsets); base64 is
// decoded by decodeBase64, others by enmime, which reads the header
// again.
func (t *treeReader) decode(h part, region []byte) error {
	p := h.p
	switch strings.ToLower(p.Header.Get("Content-Transfer-Encoding")) {
	case "7bit", "8bit", "binary", "":
		p.Content = region[h.body:]
	case "base64":
		p.Content = decodeBase64(p, region[h.body:])
	default:
		d, err := t.read(region)
		if err != nil {
			return err
		}
		p.Content = d.Content
		for _, e := range d.Errors[min(len(d.Errors), h.hdrProblems):] {
			addProblem(p, e.Name, e.Detail, e.Severe)
		}
	}
	if p.ContentType == "" && p.Parent != nil {
		addProblem(p, enmime.ErrorMissingContentType, "content-type is empty for part id: "+p.PartID, false)
	}
	return nil
}

// multipartRoot reports whether enmime reads the top-level part as a
// multipart: a multipart type with a boundary.
func multipartRoot(p *enmime.Part) bool {
	return strings.HasPrefix(p.ContentType, "multipart/") && p.Boundary != ""
}

// children splits body, the body of the multipart parent at the given
// depth, into its parts and reads each, recursively. Problems enmime
// would note are noted on parent; an error is returned where enmime's
// reading of this multipart fails, and for a limit.
func (t *treeReader) children(parent *enmime.Part, body []byte, depth int) error {
	if depth > t.opts.MaxMIMEDepth {
		return depthError(t.opts.MaxMIMEDepth)
	}
	b := newBoundary(parent.Boundary)
	var last *enmime.Part
	pos, unbounded := 0, false
	for index := 1; ; index++ {
		next, npos, err := b.next(body, pos, index > 1)
		pos = npos
		if err != nil {
			return err
		}
		if unbounded {
			addProblem(parent, enmime.ErrorMissingBoundary, fmt.Sprintf("Boundary %q was not closed correctly", parent.Boundary), false)
		}
		if !next {
			break
		}
		if t.parts++; t.parts > t.opts.MaxMIMEParts {
			return partsError(t.opts.MaxMIMEParts)
		}
		end, open := b.contentEnd(body, pos)
		unbounded = unbounded || open
		region := body[pos:end]
		pos = end
		h, err := t.child(parent, region, index)
		if err != nil {
			continue
		}
		p := h.p
		// enmime appends by walking the list of children; keeping the
		// last one makes many parts linear.
		p.Parent = parent
		if last == nil {
			parent.FirstChild = p
		} else {
			last.NextSibling = p
		}
		last = p
		if p.Boundary != "" && !isTextType(p.ContentType) {
			if err := t.children(p, region[h.body:], depth+1); err != nil {
				if le := (*LimitError)(nil); errors.As(err, &le) {
					return err
				}
				addProblem(parent, enmime.ErrorMalformedChildPart, "parse parts: "+err.Error(), true)
			}
		}
	}
	parent.Epilogue = body[pos:]
	if parent.Parent != nil {
		parent.PartID += ".0"
	}
	return nil
}

// child reads the part in region, the index-th of parent. A part enmime
// would skip is noted on parent and returned as an error; a multipart's
// children are left to the caller.
func (t *treeReader) child(parent *enmime.Part, region []byte, index int) (part, error) {
	h, err := t.header(region, false)
	if err != nil {
		addProblem(parent, enmime.ErrorMalformedChildPart, "read header: "+err.Error(), true)
		return part{}, err
	}
	p := h.p
	if parent.Parent == nil {
		p.PartID = strconv.Itoa(index)
	} else {
		p.PartID = parent.PartID + "." + strconv.Itoa(index)
	}
	if p.Boundary != "" && !isTextType(p.ContentType) {
		return h, nil
	}
	if p.Boundary != "" {
		addProblem(parent, enmime.ErrorDataHasBoundary, "content is text or data but has a boundary marker", true)
	}
	p.Parent = parent // decode tells a child from the top level by it
	if err := t.decode(h, region); err != nil {
		addProblem(parent, enmime.ErrorMalformedChildPart, "decode content: "+err.Error(), true)
		return part{}, err
	}
	return h, nil
}

func isTextType(ctype string) bool { return ctype == "text/plain" || ctype == "text/html" }

// addProblem notes a problem on p as enmime does, up to the parser's
// limit of stored problems per part.
func addProblem(p *enmime.Part, name, detail string, severe bool) {
	if len(p.Errors) < maxPartErrors {
		p.Errors = append(p.Errors, &enmime.Error{Name: name, Detail: detail, Severe: severe})
	}
}

// maxPartErrors is the parser's enmime.MaxStoredPartErrors.
const maxPartErrors = 20

// boundary finds the delimiter lines of one multipart as enmime's
// boundary reader does: prefix is "--" and the boundary, final the
// closing delimiter.
type boundary struct {
	prefix, final []byte
}

func newBoundary(b string) *boundary {
	return &boundary{prefix: []byte("--" + b), final: []byte("--" + b + "--")}
}

// next moves from pos over the line that opens the next part, as
// enmime's Next does: blank lines are skipped, and so are lines before
// the first delimiter (the preamble). ok is false at the closing
// delimiter or the end of body; after a part (afterPart), any other line
// is the error enmime gives.
func (b *boundary) next(body []byte, pos int, afterPart bool) (ok bool, npos int, err error) {
	for pos < len(body) {
		end := len(body)
		if i := bytes.IndexByte(body[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		line := body[pos:end]
		pos = end
		if line[0] == '\r' || line[0] == '\n' {
			continue
		}
		if b.inLine(line, b.final) {
			return false, pos, nil
		}
		complete := line[len(line)-1] == '\n'
		if complete && b.delimiterLine(line) {
			return true, pos, nil
		}
		if !complete {
			return false, pos, nil
		}
		if afterPart {
			return false, pos, fmt.Errorf("expecting boundary %q, got %q: expected boundary not present", b.prefix, truncate(string(line), 100))
		}
	}
	return false, pos, nil
}

// inLine reports whether s occurs in line; lines shorter than s are
// passed over without a search, which keeps a long boundary cheap.
func (b *boundary) inLine(line, s []byte) bool {
	return len(line) >= len(s) && bytes.Contains(line, s)
}

// delimiterLine is enmime's isDelimiter over a whole line: the boundary
// somewhere in it, followed by white space.
func (b *boundary) delimiterLine(line []byte) bool {
	if len(line) < len(b.prefix) {
		return false
	}
	i := bytes.Index(line, b.prefix)
	return i >= 0 && i+len(b.prefix) < len(line) && unicode.IsSpace(rune(line[i+len(b.prefix)]))
}

// contentEnd returns where the content of the part that starts at s
// ends: at the line break before its delimiter, as enmime's boundary
// reader checks at every line break (and at the part's first byte).
// open is true when the body ended within the length of a delimiter
// from such a place, which enmime reports as a boundary not closed.
//
// enmime also checks after a CR that no LF follows; such a lone CR is
// not taken for a line break here, which keeps the search to one scan
// for LF.
func (b *boundary) contentEnd(body []byte, s int) (end int, open bool) {
	if s < len(body) && body[s] != '\r' && body[s] != '\n' {
		if win, ok := b.window(body, s, 0); !ok {
			open = true
		} else if b.matches(win) {
			return s, false
		}
	}
	for i := s; i < len(body); {
		j := bytes.IndexByte(body[i:], '\n')
		if j < 0 {
			break
		}
		lf := i + j
		i = lf + 1
		// The window after a line break is the same whether it is
		// looked at from its CR or its LF; the break begins at the CR.
		brk := lf
		if lf > s && body[lf-1] == '\r' {
			brk = lf - 1
		}
		win, ok := b.window(body, lf, 1)
		if !ok {
			open = true
			continue
		}
		// A blank line right after the break is not yet the place.
		if win[0] != '\n' && win[0] != '\r' && dashes(win) && b.matches(win) {
			return brk, open
		}
	}
	return len(body), open
}

// dashes is a quick first test of a window: a delimiter in it begins
// with "--" within its first four bytes.
func dashes(win []byte) bool {
	return win[0] == '-' && win[1] == '-' || win[1] == '-' && win[2] == '-' || win[2] == '-' && win[3] == '-'
}

// window returns the bytes enmime's reader peeks at from i: the line
// break (padding bytes) and then as many as a delimiter and two more.
func (b *boundary) window(body []byte, i, padding int) ([]byte, bool) {
	end := i + padding + len(b.prefix) + 2
	if end > len(body) {
		return nil, false
	}
	return body[i+padding : end], true
}

// matches is enmime's isDelimiter or isTerminator over a peeked window:
// the closing delimiter at its start, or the first occurrence of the
// delimiter followed by white space.
func (b *boundary) matches(win []byte) bool {
	if bytes.HasPrefix(win, b.final) {
		return true
	}
	for k := 0; k < 3 && k+len(b.prefix) <= len(win); k++ {
		if bytes.HasPrefix(win[k:], b.prefix) {
			rest := win[k+len(b.prefix):]
			return len(rest) > 0 && unicode.IsSpace(rune(rest[0]))
		}
	}
	return false
}
