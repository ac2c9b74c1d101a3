package templates

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"helpdesk/core"
)

func TestRender_Ack(t *testing.T) {
	base := core.Notice{Number: 1042, Subject: "Checkout page is blank", Name: "Ann", Text: "It is blank.", Ref: "T1042-K3F9A2C1"}
	tests := []struct {
		name string
		edit func(n *core.Notice)
		// Substrings that must (not) appear in each part.
		text, html, notHTML []string
	}{
		{
			name: "OK",
			text: []string{"Hello Ann,", "ticket #1042", "Checkout page is blank", "> It is blank.", "reply to this mail", "Ref: T1042-K3F9A2C1", "automatic message"},
			html: []string{"<!doctype html>", `<meta charset="utf-8">`, "<body>", "Hello Ann,", "ticket #1042", "<blockquote>", "It is blank.", "Ref: T1042-K3F9A2C1", "</body>"},
		},
		{
			name: "NoName",
			edit: func(n *core.Notice) { n.Name = "" },
			text: []string{"Hello,\n"},
			html: []string{"<p>Hello,</p>"},
		},
		{
			name:    "NoText",
			edit:    func(n *core.Notice) { n.Text = " \n " },
			text:    []string{"Ref: T1042-K3F9A2C1"},
			html:    []string{"Ref: T1042-K3F9A2C1"},
			notHTML: []string{"<blockquote>", "You wrote"},
		},
		{
			name:    "ScriptInText",
			edit:    func(n *core.Notice) { n.Text = "<script>alert(1)</script>" },
			text:    []string{"> <script>alert(1)</script>"},
			html:    []string{"&lt;script&gt;alert(1)&lt;/script&gt;"},
			notHTML: []string{"<script", "raw HTML omitted"},
		},
		{
			name:    "LinkInName",
			edit:    func(n *core.Notice) { n.Name = "[click](http://evil.test)" },
			text:    []string{"Hello [click](http://evil.test),"},
			html:    []string{"Hello [click](http://evil.test),"},
			notHTML: []string{"<a ", "href"},
		},
		{
			name: "BareURLAndAutolink",
			edit: func(n *core.Notice) {
				n.Text = "see http://evil.test or www.evil.test or <http://evil.test> or x@evil.test"
			},
			html:    []string{"see http://evil.test or www.evil.test or &lt;http://evil.test&gt; or x@evil.test"},
			notHTML: []string{"<a ", "href"},
		},
		{
			name:    "BoldInSubject",
			edit:    func(n *core.Notice) { n.Subject = "**bold** _it_ ~~gone~~ `code`" },
			html:    []string{"**bold** _it_ ~~gone~~ `code`"},
			notHTML: []string{"<strong>", "<em>", "<del>", "<code>"},
		},
		{
			name:    "HeadingListTableInText",
			edit:    func(n *core.Notice) { n.Text = "# heading\n- item\n1. item\n| a | b |\n|---|---|\n===\n```\nfence" },
			html:    []string{"# heading<br>\n- item<br>\n1. item<br>\n| a | b |<br>\n|---|---|<br>\n===<br>\n```<br>\nfence"},
			notHTML: []string{"<h1>", "<li>", "<table>", "<ol>", "<ul>", "<pre>"},
		},
		{
			name:    "IndentedCodeBlock",
			edit:    func(n *core.Notice) { n.Text = "a\n\n    <b>indented</b>" },
			html:    []string{"&lt;b&gt;indented&lt;/b&gt;"},
			notHTML: []string{"<pre>", `\&lt;`, "<b>"},
		},
		{
			name:    "SlackMentions",
			edit:    func(n *core.Notice) { n.Text = "<!channel> <@U123>" },
			html:    []string{"&lt;!channel&gt; &lt;@U123&gt;"},
			notHTML: []string{"<!channel>"},
		},
		{
			name:    "HTMLEntityAndBackslash",
			edit:    func(n *core.Notice) { n.Text = `&lt;b&gt; C:\path\ &amp;` },
			html:    []string{`&amp;lt;b&amp;gt; C:\path\ &amp;amp;`},
			notHTML: []string{"<b>"},
		},
		{
			name: "NewlinesKept",
			edit: func(n *core.Notice) { n.Text = "line one\r\nline two\rline three" },
			text: []string{"> line one\n> line two\n> line three"},
			html: []string{"line one<br>\nline two<br>\nline three"},
		},
		{
			name:    "NewlineInSubject",
			edit:    func(n *core.Notice) { n.Subject = "one\r\n# two" },
			text:    []string{"one # two"},
			html:    []string{"one # two"},
			notHTML: []string{"<h1>"},
		},
		{
			name: "Unicode",
			edit: func(n *core.Notice) {
				n.Name, n.Subject, n.Text = "Zoë Ångström", "Drucker défekt – 打印机坏了", "Привет 👋 ¿qué?"
			},
			text: []string{"Hello Zoë Ångström,", "Drucker défekt – 打印机坏了", "> Привет 👋 ¿qué?"},
			html: []string{"Hello Zoë Ångström,", "Drucker défekt – 打印机坏了", "Привет 👋 ¿qué?"},
		},
		{
			name: "InvalidUTF8",
			edit: func(n *core.Notice) { n.Text = "M\xfcller" },
			text: []string{"M\uFFFDller"},
			html: []string{"M\uFFFDller"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := base
			if tc.edit != nil {
				tc.edit(&n)
			}
			text, html, err := Render(core.TemplateAck, n)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, s := range tc.text {
				if !strings.Contains(text, s) {
					t.Errorf("text part lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tc.html {
				if !strings.Contains(html, s) {
					t.Errorf("html part lacks %q:\n%s", s, html)
				}
			}
			for _, s := range tc.notHTML {
				if strings.Contains(html, s) {
					t.Errorf("html part has %q:\n%s", s, html)
				}
			}
			if strings.Contains(html, `<a href="http://evil`) {
				t.Errorf("html part has a live link:\n%s", html)
			}
		})
	}
}

// TestRender_EveryFieldEscaped guards against a field added to core.Notice
// that the HTML part would show unescaped.
func TestRender_EveryFieldEscaped(t *testing.T) {
	var n core.Notice
	mapStrings(&n, func(string, string) string { return "<i>x</i>" })
	e := escapeNotice(n)
	mapStrings(&e, func(field, s string) string {
		if s != `\<i\>x\<\/i\>` {
			t.Errorf("field %s = %q, not escaped", field, s)
		}
		return s
	})
}

// TestRender_Excerpt: core cuts the quote to [limits] quote_bytes, and
// Render holds any notice to the ceiling, core.MaxQuoteBytes, marking the
// cut and never leaving half a tag in the HTML part.
func TestRender_Excerpt(t *testing.T) {
	long := strings.Repeat("word <x> ", 1000) // 9000 bytes
	text, html, err := Render(core.TemplateAck, core.Notice{Number: 1, Text: long})
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	want := core.MaxQuoteBytes / len("word <x> ")
	if n := strings.Count(text, "word"); n < want*9/10 || n > want+1 {
		t.Errorf("text part quotes %d words, want about %d bytes' worth (%d)", n, core.MaxQuoteBytes, want)
	}
	if !strings.Contains(text, " …") {
		t.Errorf("text part does not mark the cut:\n%s", text)
	}
	if n := strings.Count(html, "word"); n < want*9/10 || n > want+1 {
		t.Errorf("html part quotes %d words", n)
	}
	if strings.Contains(html, "<x") {
		t.Errorf("html part has a tag after the cut:\n%s", html)
	}
	short := strings.Repeat("word ", 100)
	if text, _, _ := Render(core.TemplateAck, core.Notice{Number: 1, Text: short}); strings.Contains(text, "…") ||
		strings.Count(text, "word") != 100 {
		t.Errorf("a short text is cut:\n%s", text)
	}
}

func TestExcerpt_KeepsEscapesWhole(t *testing.T) {
	s := escapeMarkdown(strings.Repeat("<", 50))
	got := markdownMode.excerpt(10, s)
	if want := strings.Repeat(`\<`, 10) + " …"; got != want {
		t.Fatalf("excerpt = %q, want %q", got, want)
	}
	got = textMode.excerpt(5, "ab cd ef gh")
	if want := "ab cd …"; got != want {
		t.Fatalf("excerpt = %q, want %q", got, want)
	}
	if got := textMode.excerpt(5, "żółw"); got != "żółw" || !utf8.ValidString(got) {
		t.Fatalf("excerpt = %q", got)
	}
}

func TestRender_UnknownTemplate(t *testing.T) {
	for _, name := range []string{"", "nope", "ack.md"} {
		if _, _, err := Render(name, core.Notice{}); err == nil {
			t.Errorf("Render(%q): no error", name)
		}
	}
}

func TestNames(t *testing.T) {
	names := Names()
	if len(names) == 0 || !strings.Contains(strings.Join(names, ","), core.TemplateAck) {
		t.Fatalf("Names() = %v, want it to include %q", names, core.TemplateAck)
	}
}

// The renderer has no GFM linkify (see md): a template that wants a link
// writes it as one, never as a bare URL or address.
func TestTemplates_NoBareLinks(t *testing.T) {
	bare := regexp.MustCompile(`(^|[\s*_~(])(https?:|ftp:|www\.|[\w.+-]+@[\w-]+\.)`)
	for _, dir := range []string{".", "ru"} {
		entries, err := files.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			src, err := files.ReadFile(path.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if m := bare.Find(src); m != nil {
				t.Errorf("%s: bare link %q would not be linked", path.Join(dir, e.Name()), m)
			}
		}
	}
}
