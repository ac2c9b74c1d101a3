// Package templates renders the notices the gateway mails to customers.
//
// Each notice is a markdown file embedded in the binary. Render executes it
// twice: once on the raw values for the text/plain part, and once on values
// escaped for markdown, converted to HTML with goldmark, for the text/html
// part. Every string in a core.Notice may come from a customer, so the
// escaping is what keeps a name like "[click](http://evil.test)" or a
// message body with "<script>" from turning into a link, a tag or
// formatting in the HTML part: it shows up literally instead.
//
// # Writing a template
//
// A template is a text/template over core.Notice ({{.Name}}, {{.Subject}},
// {{.Text}}, {{.Number}}, {{.Ref}}, and per template {{.Predecessor}},
// {{.Agent}}, {{.Status}}, {{.Reason}}, {{.Results}}). Values are already
// escaped in the markdown pass, so a template never escapes by itself.
// Helpers that add markdown structure are escape-aware:
//
//   - excerpt N s: the start of s, about N characters, cut at a word
//     boundary and marked with an ellipsis;
//   - quote s: s as a block quote ("> " before each line);
//   - trim s: s without leading and trailing blanks and blank lines;
//   - is s "literal": whether s is that literal (use it rather than eq,
//     which compares the escaped value in the markdown pass).
//
// Every value but Text is single-line: line breaks turn into spaces before
// the template sees it (each of Results is one line).
//
// Bare URLs and addresses are not linked (no GFM linkify): write a link
// in a template as <https://…> or [text](https://…).
//
// No line of a template starts with "#": an inbound mail treats such lines
// as commands, and a client that quotes without "> " would send ours back.
// Mention commands inside a sentence instead.
package templates
