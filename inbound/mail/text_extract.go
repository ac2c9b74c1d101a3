package mail

import (
	"fmt"
	"strings"
)

// extractText sets Text and Quoted from the body, and returns the whole
// readable text (new and quoted) for the check that a mail has content.
// HTML bodies lose their quote containers first (htmlText); then the text
// trimmer cuts what the client wrote as plain text history.
func (p *parsed) extractText(c content, opts ParseOptions) string {
	body := c.text
	var htmlQuoted string
	if strings.TrimSpace(body) == "" && len(c.html) > 0 {
		var cut bool
		body, htmlQuoted, cut = htmlText(c.html, opts.MaxHTMLText)
		htmlQuoted = normalizeText(htmlQuoted)
		if cut {
			p.warn(fmt.Sprintf("HTML body has more than %d bytes of text; the rest is not in the text (the raw mail keeps it)", opts.MaxHTMLText))
		}
	}
	text := normalizeText(body)
	newText, quoted := splitQuote(text)
	if htmlQuoted != "" {
		quoted = strings.TrimSpace(quoted + "\n\n" + htmlQuoted)
	}
	p.email.Text, p.email.Quoted = newText, quoted
	return text + htmlQuoted
}
