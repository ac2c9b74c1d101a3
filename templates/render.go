package templates

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"strings"
	"text/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"helpdesk/core"
)

//go:embed *.md
var files embed.FS

// Two parsed copies of the same files: the funcs differ, because excerpt,
// quote and is must know whether their input is raw or markdown-escaped.
var (
	textSet = mustParse(textMode)
	mdSet   = mustParse(markdownMode)
)

// Safe mode (no html.WithUnsafe): raw HTML in the source is dropped. Our
// escaping means customer text never reaches the parser as HTML anyway; this
// is the second line of defence.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(html.WithHardWraps()),
)

const (
	htmlHead = "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n" +
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		"</head>\n<body>\n"
	htmlFoot = "</body>\n</html>\n"
)

func mustParse(m mode) *template.Template {
	t := template.New("").Funcs(template.FuncMap{
		"excerpt": m.excerpt,
		"quote":   m.quote,
		"trim":    strings.TrimSpace,
		"is":      m.is,
	}).Option("missingkey=error")
	entries, err := files.ReadDir(".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		src, err := files.ReadFile(e.Name())
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

// Render executes the template name (for example core.TemplateAck) with n
// and returns the plain-text and the HTML part of the mail. Every string in
// n is treated as untrusted: the text part shows it as it is, the HTML part
// shows it literally, never as markup. An unknown name is an error.
func Render(name string, n core.Notice) (text, html string, err error) {
	if textSet.Lookup(name) == nil || name == "" {
		return "", "", fmt.Errorf("render %q: unknown template", name)
	}
	n = normalise(n)

	var tb bytes.Buffer
	if err := textSet.ExecuteTemplate(&tb, name, n); err != nil {
		return "", "", fmt.Errorf("render %q as text: %w", name, err)
	}

	var mb bytes.Buffer
	if err := mdSet.ExecuteTemplate(&mb, name, escapeNotice(n)); err != nil {
		return "", "", fmt.Errorf("render %q as markdown: %w", name, err)
	}
	var hb bytes.Buffer
	hb.WriteString(htmlHead)
	if err := md.Convert(mb.Bytes(), &hb); err != nil {
		return "", "", fmt.Errorf("render %q as html: %w", name, err)
	}
	hb.WriteString(htmlFoot)
	return tb.String(), hb.String(), nil
}
