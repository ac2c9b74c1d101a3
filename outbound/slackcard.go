package outbound

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
)

// Slack's limits (internal/slacklimit has them all): a section's text
// is at most 3000 characters and a message has at most 50 blocks. Long
// customer text is split over several sections and cut after
// maxTextBlocks of them; the other texts are cut where they are built,
// after escaping (cutEscaped), and fitBlocks holds the block count.
const (
	sectionLimit  = slacklimit.SectionText
	maxTextBlocks = 10
	// filenameLimit cuts an attachment's name in the list.
	filenameLimit = 100
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

// Field values are cut to this many characters before escaping, which
// keeps even an all-"&" value within Slack's 2000 characters per field.
const (
	fieldLimit   = 300
	subjectLimit = 500
)

// short is orDash for a value shown in a card field or title: one line,
// at most n characters, escaped.
func short(s string, n int) string {
	return orDash(excerpt(s, n))
}

func ticketTitle(p core.SlackPost) string {
	return fmt.Sprintf("[#%d] %s", p.Number, short(p.Subject, subjectLimit))
}

// ticketFallback is the text of the parent message, shown in
// notifications and by clients that cannot render blocks.
func ticketFallback(p core.SlackPost) string {
	s := ticketTitle(p) + " (from " + short(p.From, fieldLimit) + ")"
	if p.HotRush {
		s = "🔥 " + s
	}
	return s
}

// ticketBlocks is the ticket card, drawn from the post's state: the same
// blocks for the first post and for every redraw (chat.update).
func ticketBlocks(p core.SlackPost) []slack.Block {
	field := func(name, v string) *slack.TextBlockObject {
		return mrkdwn("*" + name + "*\n" + v)
	}
	title := "*" + ticketTitle(p) + "*"
	if p.HotRush {
		title = "🔥 " + title
	}
	if p.Solved {
		title += "  ✅ solved"
	}
	status := short(p.Status, fieldLimit)
	if p.Solved {
		status += " (solved)"
	}
	hotRush := "off"
	if p.HotRush {
		hotRush = "🔥 HotRush"
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(mrkdwn(cutEscaped(title, sectionLimit)), nil, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			field("Account", short(p.Account, fieldLimit)),
			field("Type", short(p.Type, fieldLimit)),
			field("Status", status),
			field("Priority", short(p.Priority, fieldLimit)),
			field("HotRush", hotRush),
			field("Assignee", assignee(p.Assignee)),
			field("SLA due", slaDue(p.SLADue)),
			field("SLA", slaState(p.SLAState)),
			field("Credits", credits(p)),
			field("From", short(p.From, fieldLimit)),
		}, nil),
	}
	if len(p.Participants) > 0 {
		// A section holds at most 10 fields: the people copied on the
		// ticket (docs/rules.md §1) get a line of their own.
		blocks = append(blocks, slack.NewSectionBlock(
			mrkdwn(cutEscaped("*Cc* "+short(strings.Join(p.Participants, ", "), fieldLimit*4), sectionLimit)), nil, nil))
	}
	if len(p.Tags) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(
			mrkdwn(cutEscaped("*Tags* "+short(strings.Join(p.Tags, ", "), fieldLimit*4), sectionLimit)), nil, nil))
	}
	if len(p.Tasks) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(cutEscaped(taskList(p.Tasks), sectionLimit)), nil, nil))
	}
	if b := cardButtons(p); b != nil {
		blocks = append(blocks, b)
	}
	return fitBlocks(append(blocks, messageBlocks(p)...))
}

// taskList is a project's tasks on the card, one line each; a task past
// its due date and not finished is marked red (docs/rules.md §2).
func taskList(ts []core.TaskLine) string {
	var b strings.Builder
	b.WriteString("*Tasks*")
	for _, tk := range ts {
		mark := "•"
		if tk.Overdue {
			mark = ":red_circle:"
		}
		fmt.Fprintf(&b, "\n%s %d. %s · %s · %d%%", mark, tk.Number, short(tk.Title, fieldLimit), short(tk.Status, fieldLimit), tk.Progress)
		if tk.Developer != "" {
			b.WriteString(" · " + short(tk.Developer, fieldLimit))
		}
		if tk.Start != "" || tk.Due != "" {
			fmt.Fprintf(&b, " · %s → %s", orDash(tk.Start), orDash(tk.Due))
		}
		if tk.Overdue {
			b.WriteString(" · *overdue*")
		}
	}
	return b.String()
}

// fitBlocks holds a message to Slack's 50 blocks: the last one says how
// many were left out. Every builder's output passes through it.
func fitBlocks(blocks []slack.Block) []slack.Block {
	if len(blocks) <= slacklimit.Blocks {
		return blocks
	}
	left := len(blocks) - slacklimit.Blocks + 1
	blocks = blocks[: slacklimit.Blocks-1 : slacklimit.Blocks-1]
	return append(blocks, slack.NewContextBlock("", mrkdwn(fmt.Sprintf("_(%d more blocks not shown; the ticket has everything)_", left))))
}

// cardButtons are the card's buttons (docs/rules.md §7), each carrying the
// ticket number; a closed ticket has none, a solved one no "Mark solved".
func cardButtons(p core.SlackPost) slack.Block {
	if p.Status == core.StatusClosed {
		return nil
	}
	value := fmt.Sprint(p.Number)
	button := func(id, label string) slack.BlockElement {
		return slack.NewButtonBlockElement(id, value, slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
	}
	elems := []slack.BlockElement{button(core.SlackActionAssignMe, "Assign to me")}
	if !p.Solved {
		elems = append(elems, button(core.SlackActionSolved, "Mark solved"))
	}
	elems = append(elems, button(core.SlackActionClose, "Close"))
	return slack.NewActionBlock(fmt.Sprintf("ticket_%d", p.Number), elems...)
}

// slackUserID is the form of a Slack user id (U…, or W… on Enterprise
// Grid). Only such ids are written into a mention; anything else would
// be markup of our own making.
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]+$`)

// mention returns "<@id>" for a valid user id, or "" for anything else.
func mention(id string) string {
	if !slackUserID.MatchString(id) {
		return ""
	}
	return "<@" + id + ">"
}

// assignee shows the card's assignee as a mention; an id that is not a
// Slack user id shows as escaped text rather than disappearing.
func assignee(id string) string {
	if strings.TrimSpace(id) == "" {
		return "unassigned"
	}
	if m := mention(id); m != "" {
		return m
	}
	return short(id, fieldLimit)
}

// slaDue shows the due time in each reader's own time zone, with the UTC
// time as the fallback for clients that cannot.
func slaDue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// credits shows the ticket's category, its cost, what is charged and
// the account's balance (docs/rules.md §5), and what held answers wait for.
// Slack allows ten fields in a section; this is the tenth.
func credits(p core.SlackPost) string {
	s := "not assessed"
	if p.Category > 0 {
		s = fmt.Sprintf("category %d · %d credits · %d charged", p.Category, p.Cost, p.Charged)
	}
	s += fmt.Sprintf("\nbalance %d", p.Balance)
	switch p.CreditHold {
	case core.HoldConfirmation:
		s += "\n⏳ answer waits for the customer's confirmation"
	case core.HoldCredits:
		s += "\n⏳ answer waits: too few credits"
	}
	return s
}

func slaState(s string) string {
	switch s {
	case "", "none":
		return "—"
	case "ok":
		return "on track"
	case "at_risk":
		return "⚠️ at risk"
	case "breached":
		return "🚨 breached"
	case "met":
		return "✅ met"
	}
	return short(s, fieldLimit)
}

// Directions of a thread reply (core.SlackPost.Direction) other than
// the customer's, "inbound" or empty.
const (
	directionOutbound = "outbound"
	directionNote     = "note"
)

// replyHeader says whose message a thread reply is.
func replyHeader(p core.SlackPost) string {
	by := ""
	if strings.TrimSpace(p.From) != "" {
		by = " by " + short(p.From, fieldLimit)
	}
	switch {
	case p.Direction == directionOutbound && p.NotMailed:
		return "Answer recorded, not mailed to the customer" + by + ":"
	case p.Direction == directionOutbound:
		return "Answer sent to the customer" + by + ":"
	case p.Direction == directionNote:
		return "Internal note" + by + ":"
	}
	return "From " + short(p.From, fieldLimit)
}

func replyFallback(p core.SlackPost) string {
	if p.Event != "" && !hasBody(p) {
		return fmt.Sprintf("[#%d] %s", p.Number, short(p.Event, fieldLimit))
	}
	var who string
	switch {
	case p.Direction == directionOutbound && p.NotMailed:
		who = "answer recorded, not mailed to the customer"
	case p.Direction == directionOutbound:
		who = "answer sent to the customer"
	case p.Direction == directionNote:
		who = "internal note"
	default:
		who = short(p.From, fieldLimit) + " wrote"
	}
	return fmt.Sprintf("[#%d] %s: %s", p.Number, who, esc(excerpt(p.Text, 200)))
}

// hasBody reports whether p carries a message to show, as opposed to an
// event alone.
func hasBody(p core.SlackPost) bool {
	return strings.TrimSpace(p.Text) != "" || len(p.Attachments) > 0
}

// replyBlocks is a message in the ticket's thread: an event line when
// something changed, then the message (the customer's by default, or a
// staff answer or internal note as Direction says) unless the post is an
// event alone.
func replyBlocks(p core.SlackPost) []slack.Block {
	var blocks []slack.Block
	if strings.TrimSpace(p.Event) != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("_"+short(p.Event, fieldLimit)+"_")))
		if !hasBody(p) {
			return blocks
		}
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(replyHeader(p))))
	return fitBlocks(append(blocks, messageBlocks(p)...))
}

// noticeLimit bounds a notice's text, well within Slack's 40,000
// characters for a message even after escaping.
const noticeLimit = 4000

// noticeText is the text of a department notice: its mentions first, then
// the escaped text. Ids that are not Slack user ids are dropped; each id
// is mentioned once.
func noticeText(n core.SlackNotice) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, id := range n.Mention {
		if m := mention(id); m != "" && !seen[id] {
			seen[id] = true
			b.WriteString(m)
			b.WriteByte(' ')
		}
	}
	text := strings.TrimSpace(strings.ToValidUTF8(n.Text, "\uFFFD"))
	if r := []rune(text); len(r) > noticeLimit {
		text = strings.TrimSpace(string(r[:noticeLimit])) + "…"
	}
	b.WriteString(esc(text))
	return strings.TrimSpace(b.String())
}

// messageBlocks shows a customer message: its text, its attachments by
// name and size, and a note when quoted history was cut from it (the full
// mail stays on the ticket).
func messageBlocks(p core.SlackPost) []slack.Block {
	var blocks []slack.Block
	if w := strings.TrimSpace(p.AuthWarning); w != "" {
		// docs/rules.md §6: the sender may not be who From says.
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("⚠ *"+short(w, fieldLimit)+"*")))
	}
	// Leave room for the note added to the last section below. No more
	// of the text is escaped and split than the sections can show, so a
	// megabyte of text costs what the shown part does.
	text := strings.TrimSpace(p.Text)
	shown := runePrefix(text, maxTextBlocks*(sectionLimit-100))
	chunks := splitEscaped(shown, sectionLimit-100)
	if len(chunks) > maxTextBlocks || len(shown) < len(text) {
		chunks = chunks[:min(len(chunks), maxTextBlocks)]
		chunks[len(chunks)-1] += "\n_(message cut; the full text is on the ticket)_"
	}
	for _, c := range chunks {
		if strings.TrimSpace(c) == "" {
			continue // Slack refuses a section with blank text
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(c), nil, nil))
	}
	if len(p.Attachments) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(attachmentList(p.Attachments)), nil, nil))
	}
	if strings.TrimSpace(p.Quoted) != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("_(quoted history hidden)_")))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("_(no text)_")))
	}
	return blocks
}

// attachmentList is the attachments by name and size, as many as fit in
// a section; the others are summed up in its last line ("…and 97 more
// attachments, 12.0 MB").
func attachmentList(as []core.Attachment) string {
	const head = "*Attachments*"
	var b strings.Builder
	b.WriteString(head)
	n := utf8.RuneCountInString(head)
	for i, a := range as {
		line := fmt.Sprintf("\n• %s (%s)", orDash(excerpt(a.Filename, filenameLimit)), humanSize(a.Size))
		l := utf8.RuneCountInString(line)
		// Leave room for the summary line.
		if n+l > sectionLimit-100 {
			rest := 0
			for _, r := range as[i:] {
				rest += r.Size
			}
			fmt.Fprintf(&b, "\n…and %d more %s, %s", len(as)-i, plural(len(as)-i, "attachment", "attachments"), humanSize(rest))
			break
		}
		b.WriteString(line)
		n += l
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// cutEscaped cuts s, text already escaped for mrkdwn, to at most limit
// characters, never inside an entity, and marks the cut.
func cutEscaped(s string, limit int) string { return slacklimit.Cut(s, limit) }

// runePrefix is the start of s of at most n characters.
func runePrefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
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
