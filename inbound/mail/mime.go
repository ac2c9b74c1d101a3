package mail

import (
	"bufio"
	"bytes"
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
	html     string               // the HTML body, UTF-8, when there is no plain text
	files    [][]*enmime.Part     // candidate attachments
	warnings []string
}

// parser keeps partial content and skips broken parts instead of failing:
// a mail is never refused, nor its text lost, for a MIME defect. Declared
// charsets are decoded by decodeCharsets rather than by enmime (see
// utf8MediaType), and HTML is turned into text by splitHTML, which knows
// the quote containers of mail clients.
var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
	enmime.MaxStoredPartErrors(20),
	enmime.DisableCharacterDetection(true),
	enmime.DisableTextConversion(true),
	enmime.SetCustomParseMediaType(utf8MediaType),
)

// readContent decodes msg with enmime. If enmime still gives up, or
// panics, the header is read on its own and the body kept as plain text,
// with a warning: the customer's words must reach the ticket regardless.
func readContent(msg []byte) content {
	env, err := readEnvelope(msg)
	if err != nil {
		return fallbackContent(msg, err)
	}
	c := content{
		header: env.Root.Header,
		ctype:  env.Root.ContentType,
		root:   env.Root,
		files:  [][]*enmime.Part{env.Attachments, env.Inlines, env.OtherParts},
	}
	for _, e := range env.Errors {
		c.warnings = append(c.warnings, e.Error())
	}
	c.warnings = append(c.warnings, decodeCharsets(env.Root)...)
	c.text, c.html = bodies(env.Root)
	// A multipart without a boundary cannot be split; enmime keeps it as
	// one opaque part, and its bytes are the best text there is.
	if root := env.Root; strings.HasPrefix(root.ContentType, "multipart/") &&
		root.FirstChild == nil && strings.TrimSpace(c.text) == "" {
		c.text = string(root.Content)
		c.warnings = append(c.warnings, root.ContentType+" without parts, body kept as plain text")
	}
	return c
}

// bodies returns the text and HTML bodies of the part tree, chosen as
// enmime chooses them: in a multipart/alternative the first plain text,
// elsewhere every inline plain text part in order (joined by a blank
// line, where enmime would put a "--" line that reads as a signature
// delimiter), and the first inline HTML part. html is only returned when
// there is no plain text.
func bodies(root *enmime.Part) (text, html string) {
	if root.FirstChild == nil {
		switch root.ContentType {
		case "text/plain", "":
			return string(root.Content), ""
		case "text/html":
			return "", string(root.Content)
		}
		return "", ""
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
		return text, ""
	}
	if p := root.DepthMatchFirst(func(p *enmime.Part) bool {
		return p.ContentType == "text/html" && p.Disposition != "attachment"
	}); p != nil {
		html = string(p.Content)
	}
	return text, html
}

// readEnvelope runs enmime and turns a panic inside it into an error.
func readEnvelope(msg []byte) (env *enmime.Envelope, err error) {
	defer func() {
		if r := recover(); r != nil {
			env, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	env, err = parser.ReadEnvelope(bytes.NewReader(elideLargeParts(msg)))
	if err == nil && (env == nil || env.Root == nil) {
		err = fmt.Errorf("no MIME root")
	}
	return env, err
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
