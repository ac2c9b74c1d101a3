package templates

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"strings"
	"sync"
	"text/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"helpdesk/core"
)

// The English notices are at the top; each other language has a
// directory of the same names (docs/rules.md §1).
//
//go:embed *.md ru/*.md
var files embed.FS

// Two parsed copies of the same files per language: the funcs differ,
// because excerpt, quote and is must know whether their input is raw or
// markdown-escaped.
var (
	textSets = map[string]*template.Template{core.LangEN: mustParse(textMode, "."), core.LangRU: mustParse(textMode, "ru")}
	mdSets   = map[string]*template.Template{core.LangEN: mustParse(markdownMode, "."), core.LangRU: mustParse(markdownMode, "ru")}
	textSet  = textSets[core.LangEN]
)

// Safe mode (no html.WithUnsafe): raw HTML in the source is dropped. Our
// escaping means customer text never reaches the parser as HTML anyway; this
// is the second line of defence.
//
// GFM without Linkify: a bare URL or address links only when its ":",
// "." or "@" is not escaped, which no value's is, and no template has
// one; trying every word of a customer's text for one was a tenth of
// the cost of a notice.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

const (
	htmlHead = "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		"</head>\n<body>\n"
	htmlFoot = "</body>\n</html>\n"
)

func mustParse(m mode, dir string) *template.Template {
	t := template.New("").Funcs(template.FuncMap{
		"excerpt": m.excerpt,
		"quote":   m.quote,
		"trim":    strings.TrimSpace,
		"is":      m.is,
		"plural":  plural,
	}).Option("missingkey=error")
	entries, err := files.ReadDir(dir)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		src, err := files.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		template.Must(t.New(name).Parse(string(src)))
	}
	return t
}

// Names lists the templates that Render knows.
func Names() []string {
	var names []string
	for _, t := range textSet.Templates() {
		if t.Name() != "" {
			names = append(names, t.Name())
		}
	}
	return names
}

// Render executes the template name (for example core.TemplateAck) with n,
// in the language n.Lang (English when it is "" or unknown), and returns the plain-text and the HTML part of the mail. Every string in
// n is treated as untrusted: the text part shows it as it is, the HTML part
// shows it literally, never as markup. Every string a customer controls
// is cut to core's ceilings (core.MailLimits.BoundNoticeData), so that no
// notice outgrows core.MaxNoticeBytes. An unknown name is an error.
func Render(name string, n core.Notice) (text, html string, err error) {
	textSet, mdSet := textSets[n.Lang], mdSets[n.Lang]
	if textSet == nil {
		// "" and a language we do not write: English.
		textSet, mdSet = textSets[core.LangEN], mdSets[core.LangEN]
	}
	if textSet.Lookup(name) == nil || name == "" {
		return "", "", fmt.Errorf("render %q: unknown template", name)
	}
	// core bounds what it writes by the configured limits; the
	// ceilings here hold for any notice, a row written before them too.
	n = normalise(core.CeilingLimits().BoundNoticeData(name, n))

	// Each part is a little longer than the values it shows; growing a
	// buffer by doubling copied it several times a notice.
	size := len(n.Text) + len(n.Subject) + 1024
	var tb strings.Builder
	tb.Grow(size)
	if err := textSet.ExecuteTemplate(&tb, name, n); err != nil {
		return "", "", fmt.Errorf("render %q as text: %w", name, err)
	}

	mb := sources.Get().(*bytes.Buffer)
	defer func() {
		mb.Reset()
		sources.Put(mb)
	}()
	if err := mdSet.ExecuteTemplate(mb, name, escapeNotice(n)); err != nil {
		return "", "", fmt.Errorf("render %q as markdown: %w", name, err)
	}
	var hb htmlWriter
	hb.Grow(len(htmlHead) + mb.Len() + mb.Len()/4 + len(htmlFoot))
	hb.WriteString(htmlHead)
	if err := md.Convert(mb.Bytes(), &hb); err != nil {
		return "", "", fmt.Errorf("render %q as html: %w", name, err)
	}
	hb.WriteString(htmlFoot)
	return tb.String(), hb.String(), nil
}

// sources holds the buffers the markdown pass is written to: goldmark
// needs it as bytes, and it is dropped once converted.
var sources = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// htmlWriter is a strings.Builder that goldmark writes to directly: a
// writer that does not buffer by itself gets a 4 KiB bufio.Writer for
// each conversion, and its bytes are copied once more.
type htmlWriter struct{ strings.Builder }

var _ util.BufWriter = (*htmlWriter)(nil)

func (w *htmlWriter) Available() int { return w.Cap() - w.Len() }
func (w *htmlWriter) Buffered() int  { return 0 }
func (w *htmlWriter) Flush() error   { return nil }

// plural picks the Russian form of a noun for n: one (1, 21 кредит),
// few (2–4, 22 кредита) or many (5–20, 25 кредитов).
func plural(n int, one, few, many string) string {
	n %= 100
	if n < 0 {
		n = -n
	}
	switch {
	case n%10 == 1 && n != 11:
		return one
	case n%10 >= 2 && n%10 <= 4 && (n < 12 || n > 14):
		return few
	}
	return many
}

// namesOf lists the templates of one language.
func namesOf(lang string) []string {
	var names []string
	for _, t := range textSets[lang].Templates() {
		if t.Name() != "" {
			names = append(names, t.Name())
		}
	}
	return names
}
