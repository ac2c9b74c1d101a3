package mail

import (
	"strings"

	"github.com/inbucket/html2text"
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
// quoted is the text of what was cut. HTML is parsed with
// golang.org/x/net/html, which accepts any input, and rendered with
// html2text, which enmime uses for the same purpose.
func htmlText(src string) (text, quoted string) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", ""
	}
	var cut []*html.Node
	if start := outlookHistory(doc); start != nil {
		cut = append(cut, detachFrom(start)...)
	}
	containers := quoteContainers(doc)
	for i := len(containers) - 1; i >= 0; i-- {
		if n := containers[i]; !textAfter(n) {
			n.Parent.RemoveChild(n)
			cut = append([]*html.Node{n}, cut...)
		}
	}
	text = renderText(doc)
	if strings.TrimSpace(text) == "" && len(cut) > 0 {
		// Only history: keep it all as the text rather than lose it.
		doc, _ = html.Parse(strings.NewReader(src))
		return renderText(doc), ""
	}
	var parts []string
	for _, n := range cut {
		if t := strings.TrimSpace(renderText(n)); t != "" {
			parts = append(parts, t)
		}
	}
	return text, strings.Join(parts, "\n\n")
}

// renderText renders n as text; html2text only fails on write errors to
// its own buffer, so an error yields the plain text content.
func renderText(n *html.Node) string {
	s, err := html2text.FromHTMLNode(n, html2text.Options{})
	if err != nil {
		return textContent(n)
	}
	return s
}

// quoteContainers returns the outermost elements that wrap quoted
// history, in document order.
func quoteContainers(doc *html.Node) []*html.Node {
	var found []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && isQuoteContainer(n) {
			found = append(found, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func isQuoteContainer(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Blockquote:
		return strings.EqualFold(attr(n, "type"), "cite") || hasClass(n, "gmail_quote")
	case atom.Div:
		return hasClass(n, "gmail_quote") || hasClass(n, "yahoo_quoted") ||
			hasClass(n, "moz-cite-prefix") || strings.HasPrefix(attr(n, "id"), "yahoo_quoted")
	}
	return false
}

// outlookHistory returns the element where Outlook's quoted history
// starts, or nil.
func outlookHistory(doc *html.Node) *html.Node {
	var found *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode {
			id := attr(n, "id")
			switch {
			case id == "divRplyFwdMsg" || id == "appendonsend":
				found = n
				// Outlook on the web draws a rule just before the header.
				if p := prevElement(n); p != nil && p.DataAtom == atom.Hr {
					found = p
				}
				return
			case n.DataAtom == atom.Div && isOutlookHeaderDiv(n):
				found = n
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

// isOutlookHeaderDiv matches the desktop client's separator: a div with
// a solid top border whose text starts with a header field ("From:",
// "Von:", "De:" …).
func isOutlookHeaderDiv(n *html.Node) bool {
	style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
	if !strings.Contains(style, "border-top:solid") {
		return false
	}
	t := strings.TrimSpace(textContent(n))
	if len(t) > 200 {
		t = t[:200]
	}
	return isHeaderLine(strings.TrimLeft(t, "* "))
}

// detachFrom removes start and everything after it in document order,
// and returns the removed nodes in order.
func detachFrom(start *html.Node) []*html.Node {
	cut := []*html.Node{start}
	for n := start; n.Parent != nil; n = n.Parent {
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			cut = append(cut, s)
		}
	}
	for _, n := range cut {
		n.Parent.RemoveChild(n)
	}
	return cut
}

// textAfter reports whether non-blank text follows n in document order.
func textAfter(n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		for s := n.NextSibling; s != nil; s = s.NextSibling {
			if strings.TrimSpace(textContent(s)) != "" {
				return true
			}
		}
	}
	return false
}

// textContent is the text of n and its descendants, without markup;
// style and script contents are not text.
func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.DataAtom == atom.Style || n.DataAtom == atom.Script):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func prevElement(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode {
			return p
		}
		if p.Type == html.TextNode && strings.TrimSpace(p.Data) != "" {
			return nil
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}
