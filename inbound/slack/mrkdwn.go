package slack

import (
	"regexp"
	"strings"

	"helpdesk/internal/slacklimit"
)

// Slack sends message text in its markup: &, < and > escaped, and
// mentions, channels and links in angle brackets. The customer gets plain
// text.

// slackRef is one <…> reference: <@U123>, <@U123|dana>, <#C123|general>,
// <!here>, <https://x.example|label>, <mailto:a@b.example|a@b.example>.
var slackRef = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// plainText turns Slack's markup into plain text: a link with a label
// becomes "label (url)", a mention "@label" or "@id", a special mention
// "@here".
func plainText(s string) string {
	s = slackRef.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackRef.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "@"):
			if label != "" {
				return "@" + label
			}
			return target
		case strings.HasPrefix(target, "#"):
			if label != "" {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			if label != "" {
				return label
			}
			name, _, _ := strings.Cut(target[1:], "^")
			return "@" + name
		case strings.HasPrefix(target, "mailto:"):
			if label != "" {
				return label
			}
			return strings.TrimPrefix(target, "mailto:")
		case label != "" && label != target:
			return label + " (" + target + ")"
		}
		return target
	})
	return unescape(s)
}

// unescape undoes Slack's three escapes; &amp; last, so "&amp;lt;"
// stays "&lt;" as typed.
func unescape(s string) string {
	s = strings.ReplaceAll(s, "&lt;", "<")
	s = strings.ReplaceAll(s, "&gt;", ">")
	return strings.ReplaceAll(s, "&amp;", "&")
}

// escape makes text inert in mrkdwn, for answers that quote what an agent
// or a customer wrote.
func escape(s string) string {
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, ">", "&gt;")
}

// userMention matches a user mention: <@U123> or <@U123|dana>.
var userMention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>$`)

// mentionID returns the user id of a mention.
func mentionID(s string) (string, bool) {
	m := userMention.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Bounds of an answer's parts that a customer or an agent wrote, in
// characters before escaping, and of a whole answer. Slack takes 40,000
// characters in a message but shows about 4,000; answers stay within
// that whatever the tickets hold.
const (
	subjectShown  = 150
	addressShown  = 254
	sentenceShown = 500
	answerShown   = 4000
)

// clip is s on one line and cut to at most n characters, for an answer
// that quotes it; escape it after.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// fitAnswer holds an answer, escaped already, to answerShown characters.
func fitAnswer(s string) string { return slacklimit.Cut(s, answerShown) }
