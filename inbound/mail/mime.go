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
	text     string               // the text body, or the HTML body as text
	files    [][]*enmime.Part     // candidate attachments
	warnings []string
}

// parser keeps partial content and skips broken parts instead of failing:
// a mail is never refused, nor its text lost, for a MIME defect.
var parser = enmime.NewParser(
	enmime.SkipMalformedParts(true),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
	enmime.MaxStoredPartErrors(20),
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
		text:   env.Text,
		files:  [][]*enmime.Part{env.Attachments, env.Inlines, env.OtherParts},
	}
	for _, e := range env.Errors {
		c.warnings = append(c.warnings, e.Error())
	}
	// A multipart without a boundary cannot be split; enmime keeps it as
	// one opaque part, and its bytes are the best text there is.
	if root := env.Root; strings.HasPrefix(root.ContentType, "multipart/") &&
		root.FirstChild == nil && strings.TrimSpace(c.text) == "" {
		c.text = string(root.Content)
		c.warnings = append(c.warnings, root.ContentType+" without parts, body kept as plain text")
	}
	return c
}

// readEnvelope runs enmime and turns a panic inside it into an error.
func readEnvelope(msg []byte) (env *enmime.Envelope, err error) {
	defer func() {
		if r := recover(); r != nil {
			env, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	env, err = parser.ReadEnvelope(bytes.NewReader(msg))
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
