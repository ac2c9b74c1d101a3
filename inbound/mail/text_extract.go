package mail

import "strings"

// extractText sets Text and Quoted from the body, and returns the whole
// readable text (new and quoted) for the check that a mail has content.
// HTML bodies lose their quote containers first (htmlText); then the text
// trimmer cuts what the client wrote as plain text history.
func (p *parsed) extractText(c content) string {
	body := c.text
	var htmlQuoted string
	if strings.TrimSpace(body) == "" && c.html != "" {
		body, htmlQuoted = htmlText(c.html)
		htmlQuoted = normalizeText(htmlQuoted)
	}
	text := normalizeText(body)
	newText, quoted := splitQuote(text)
	if htmlQuoted != "" {
		quoted = strings.TrimSpace(quoted + "\n\n" + htmlQuoted)
	}
	p.email.Text, p.email.Quoted = newText, quoted
	return text + htmlQuoted
}
