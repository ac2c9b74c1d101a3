package outbound

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"helpdesk/core"
)

// Slack limits: a section's text is at most 3000 characters and a
// message has at most 50 blocks. Long customer text is split over several
// sections and cut after maxTextBlocks of them.
const (
	sectionLimit  = 3000
	maxTextBlocks = 10
)

// esc makes customer text inert in Slack's mrkdwn: with &, < and >
// escaped, "<!channel>", "<@U123>" and "<http://x|label>" show as typed
// and neither ping nor link.
func esc(s string) string {
	return slackutilsx.EscapeMessage(strings.ToValidUTF8(s, "\uFFFD"))
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return esc(oneLine(s))
}

func ticketTitle(p core.SlackPost) string {
	return fmt.Sprintf("[#%d] %s", p.Number, orDash(p.Subject))
}

// ticketFallback is the text of the parent message, shown in
// notifications and by clients that cannot render blocks.
func ticketFallback(p core.SlackPost) string {
	return ticketTitle(p) + " (from " + orDash(p.From) + ")"
}

func ticketBlocks(p core.SlackPost) []slack.Block {
	field := func(name, v string) *slack.TextBlockObject {
		return mrkdwn("*" + name + "*\n" + orDash(v))
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn("*"+ticketTitle(p)+"*"), nil, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Account", p.Account),
			field("Type", p.Type),
			field("Status", p.Status),
			field("Priority", p.Priority),
			field("From", p.From),
		}, nil),
	}
	return append(blocks, messageBlocks(p)...)
}

func replyFallback(p core.SlackPost) string {
	return fmt.Sprintf("[#%d] %s wrote: %s", p.Number, orDash(p.From), esc(excerpt(p.Text, 200)))
}

func replyBlocks(p core.SlackPost) []slack.Block {
	from := slack.NewContextBlock("", mrkdwn("From "+orDash(p.From)))
	return append([]slack.Block{from}, messageBlocks(p)...)
}

// messageBlocks shows a customer message: its text, its attachments by
// name and size, and a note when quoted history was cut from it (the full
// mail stays on the ticket).
func messageBlocks(p core.SlackPost) []slack.Block {
	var blocks []slack.Block
	// Leave room for the note added to the last section below.
	chunks := splitEscaped(strings.TrimSpace(p.Text), sectionLimit-100)
	if len(chunks) > maxTextBlocks {
		chunks = chunks[:maxTextBlocks]
		chunks[maxTextBlocks-1] += "\n_(message cut; the full text is on the ticket)_"
	}
	for _, c := range chunks {
		if strings.TrimSpace(c) == "" {
			continue // Slack refuses a section with blank text
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(c), nil, nil))
	}
	if len(p.Attachments) > 0 {
		var b strings.Builder
		b.WriteString("*Attachments*")
		for _, a := range p.Attachments {
			fmt.Fprintf(&b, "\n• %s (%s)", orDash(a.Filename), humanSize(a.Size))
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(b.String()), nil, nil))
	}
	if strings.TrimSpace(p.Quoted) != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("_(quoted history hidden)_")))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("_(no text)_")))
	}
	return blocks
}

// splitEscaped escapes s and splits it into pieces of at most limit
// characters, at line ends where possible and never inside an entity.
func splitEscaped(s string, limit int) []string {
	var chunks []string
	var cur strings.Builder
	n := 0
	add := func(e string) {
		l := utf8.RuneCountInString(e)
		if n+l > limit && cur.Len() > 0 {
			chunks = append(chunks, cur.String())
			cur.Reset()
			n = 0
		}
		cur.WriteString(e)
		n += l
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		if e := esc(line); utf8.RuneCountInString(e) <= limit {
			add(e)
			continue
		}
		for _, r := range line { // an overlong line: cut between characters
			add(esc(string(r)))
		}
	}
	if cur.Len() > 0 {
		chunks = append(chunks, cur.String())
	}
	return chunks
}

func excerpt(s string, n int) string {
	s = oneLine(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}

func humanSize(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}
