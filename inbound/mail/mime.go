package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// content is what Parse takes from the MIME structure of a mail.
type content struct {
	header   textproto.MIMEHeader // top-level fields, raw values
	ctype    string               // top-level media type, lower case
	root     *enmime.Part         // the part tree; nil when it was unreadable
	text     string               // the plain text body, UTF-8
	html     []byte               // the HTML body, UTF-8, when there is no plain text
	files    [][]*enmime.Part     // candidate attachments
	warnings []string
}

// parser reads the header and decodes the content of each part for
// readParts, keeping partial content and skipping broken parts instead
// of failing: a mail is never refused, nor its text lost, for a MIME
// defect. Declared charsets are decoded by decodeCharsets rather than by
// enmime (see utf8MediaType), and HTML is turned into text by htmlText,
// which knows the quote containers of mail clients.
var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
	enmime.MaxStoredPartErrors(maxPartErrors),
	enmime.DisableCharacterDetection(true),
	enmime.DisableTextConversion(true),
	enmime.SetCustomParseMediaType(utf8MediaType),
)

// readContent reads the MIME structure of msg. If it is unreadable, or
// reading panics, the header is read on its own and the body kept as
// plain text, with a warning: the customer's words must reach the
// ticket regardless. The only error is a *LimitError.
func readContent(msg []byte, opts ParseOptions) (content, error) {
	root, err := readTree(msg, opts)
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return content{}, le
		}
		return fallbackContent(msg, err), nil
	}
	c := content{
		header: root.Header,
		ctype:  root.ContentType,
		root:   root,
		files:  fileGroups(root),
	}
	if htmlOnly(root) {
		addProblem(root, enmime.ErrorPlainTextFromHTML, "Message did not contain a text/plain part", false)
	}
	root.DepthMatchAll(func(p *enmime.Part) bool {
		for _, e := range p.Errors {
			c.warnings = append(c.warnings, e.Error())
		}
		return false
	})
	c.warnings = append(c.warnings, decodeCharsets(root)...)
	c.text, c.html = bodies(root)
	// A multipart without a boundary cannot be split; it is kept as one
	// opaque part, and its bytes are the best text there is.
	if strings.HasPrefix(root.ContentType, "multipart/") &&
		root.FirstChild == nil && strings.TrimSpace(c.text) == "" {
		c.text = string(root.Content)
		c.warnings = append(c.warnings, root.ContentType+" without parts, body kept as plain text")
	}
	return c, nil
}

// fileGroups are the parts enmime's envelope would list as attachments,
// inlines and other parts, in that order; attachmentList takes its
// files from them.
func fileGroups(root *enmime.Part) [][]*enmime.Part {
	if !multipartRoot(root) {
		if !binaryBody(root) {
			return nil
		}
		if root.Disposition == "inline" {
			return [][]*enmime.Part{nil, {root}, nil}
		}
		return [][]*enmime.Part{{root}, nil, nil}
	}
	return [][]*enmime.Part{
		root.BreadthMatchAll(func(p *enmime.Part) bool {
			return p.Disposition == "attachment" || p.ContentType == "application/octet-stream"
		}),
		root.BreadthMatchAll(func(p *enmime.Part) bool {
			return p.Disposition == "inline" && !strings.HasPrefix(p.ContentType, "multipart/")
		}),
		root.BreadthMatchAll(func(p *enmime.Part) bool {
			return !strings.HasPrefix(p.ContentType, "multipart/") && p.Disposition == "" &&
				p.ContentType != "application/octet-stream" && !isTextType(p.ContentType)
		}),
	}
}

// binaryBody is enmime's test of whether a mail that is not multipart is
// a file rather than text.
func binaryBody(root *enmime.Part) bool {
	parse := func(field string) (string, map[string]string, error) {
		mt, params, _, err := utf8MediaType(root.Header.Get(field))
		return strings.ToLower(mt), params, err
	}
	ctype, _, err := parse("Content-Type")
	disp, dparams, _ := parse("Content-Disposition")
	if root.Header.Get("Content-Type") == "" || err == nil && isTextType(ctype) {
		return disp == "attachment"
	}
	if disp == "attachment" || disp == "inline" && len(dparams) > 0 || ctype == "attachment" {
		return true
	}
	return !isTextType(ctype)
}

// htmlOnly reports whether enmime would find an HTML body and no plain
// text, which it notes with a warning.
func htmlOnly(root *enmime.Part) bool {
	isPlain := func(p *enmime.Part) bool { return p.ContentType == "text/plain" && p.Disposition != "attachment" }
	if !multipartRoot(root) {
		if binaryBody(root) || root.Header.Get("Content-Type") == "" {
			return false
		}
		mt, _, _, err := utf8MediaType(root.Header.Get("Content-Type"))
		return err == nil && mt == "text/html" && len(root.Content) > 0
	}
	text := false
	if root.ContentType == "multipart/alternative" {
		if p := root.BreadthMatchFirst(isPlain); p != nil {
			text = len(p.Content) > 0
		}
	} else {
		parts := root.DepthMatchAll(isPlain)
		text = len(parts) > 1 || len(parts) == 1 && len(parts[0].Content) > 0
	}
	h := root.DepthMatchFirst(func(p *enmime.Part) bool { return p.ContentType == "text/html" && p.Disposition != "attachment" })
	return !text && h != nil && len(h.Content) > 0
}

// bodies returns the text and HTML bodies of the part tree, chosen as
// enmime chooses them: in a multipart/alternative the first plain text,
// elsewhere every inline plain text part in order (joined by a blank
// line, where enmime would put a "--" line that reads as a signature
// delimiter), and the first inline HTML part. html is only returned when
// there is no plain text; it is the part's content, not a copy.
func bodies(root *enmime.Part) (text string, html []byte) {
	if root.FirstChild == nil {
		switch root.ContentType {
		case "text/plain", "":
			return string(root.Content), nil
		case "text/html":
			return "", root.Content
		}
		return "", nil
	}
	isText := func(p *enmime.Part) bool { return p.ContentType == "text/plain" && p.Disposition != "attachment" }
	if root.ContentType == "multipart/alternative" {
		if p := root.BreadthMatchFirst(isText); p != nil {
			text = string(p.Content)
		}
	} else {
		var parts []string
		for _, p := range root.DepthMatchAll(isText) {
			parts = append(parts, strings.TrimRight(string(p.Content), "\r\n"))
		}
		text = strings.Join(parts, "\n\n")
	}
	if strings.TrimSpace(text) != "" {
		return text, nil
	}
	if p := root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/html" && p.Disposition != "attachment"
	}); p != nil {
		html = p.Content
	}
	return text, html
}

// readTree runs readParts on msg with its large attachments elided, and
// turns a panic inside enmime into an error.
func readTree(msg []byte, opts ParseOptions) (root *enmime.Part, err error) {
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	root, err = readParts(elideLargeParts(msg), opts)
	if err != nil {
		var le *LimitError
		if !errors.As(err, &le) {
			err = fmt.Errorf("Failed to ReadParts: %w", err)
		}
	}
	return root, err
}

// fallbackContent keeps the header and the whole body as text.
func fallbackContent(msg []byte, cause error) content {
	c := content{warnings: []string{fmt.Sprintf("MIME structure unreadable, body kept as plain text: %v", cause)}}
	var w warnCollector
	h, err := readHeader(msg, &w)
	if err != nil {
		w.AddWarning("header", "reading header: %v", err)
	}
	c.header = h
	c.warnings = append(c.warnings, w...)
	c.text = string(bodyOf(msg))
	return c
}

// readHeader reads the header with enmime's tolerant reader, recovering
// from a panic with an empty header.
func readHeader(msg []byte, w enmime.ErrorCollector) (h textproto.MIMEHeader, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = textproto.MIMEHeader{}, fmt.Errorf("panic: %v", r)
		}
	}()
	h, err = enmime.ReadHeader(bufio.NewReader(bytes.NewReader(msg)), w)
	if h == nil {
		h = textproto.MIMEHeader{}
	}
	return h, err
}

// warnCollector gathers enmime's header problems as warning strings.
type warnCollector []string

func (w *warnCollector) AddError(name, format string, args ...any) {
	*w = append(*w, name+": "+fmt.Sprintf(format, args...))
}

func (w *warnCollector) AddWarning(name, format string, args ...any) {
	*w = append(*w, name+": "+fmt.Sprintf(format, args...))
}
