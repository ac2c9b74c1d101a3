package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// usage is the answer to /helpdesk help (docs/rules.md §7): the ticket
// actions an agent may run, from core's table, then the commands that
// name no ticket.
var usage = usageText()

func usageText() string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, ac := range core.ActionsFor(core.ActorAgent) {
		fmt.Fprintf(&b, "• `/helpdesk #N %s`: %s\n", ac.Usage(core.ActorAgent), ac.Help)
	}
	b.WriteString("• `/helpdesk find WORDS [tag:T] [status:S] [department:D]`, `/helpdesk find MESSAGE-ID` or `/helpdesk find #N`\n" +
		"• `/helpdesk queue [tag:T]`\n" +
		"• `/helpdesk new EMAIL subject | text`: open a ticket for a customer\n" +
		"• `/helpdesk credits EMAIL`\n" +
		"• `/helpdesk away` and `/helpdesk back`: no tickets assigned to you automatically while away")
	return b.String()
}

// notAgent is the polite refusal for anyone who is not an agent.
const notAgent = "Sorry, only the support team's agents can use the helpdesk from Slack, so nothing was changed. " +
	"If you should be one, ask an admin to add you."

// notChecked is the answer when Slack could not say who asked.
const notChecked = "I could not check with Slack who you are just now, so nothing was changed. Please try again."

// queueShown is how many tickets /helpdesk queue lists.
const queueShown = 10

// serveCommand is /slack/commands. The answer is ephemeral: only the
// agent who typed the command sees it.
func (h *Handler) serveCommand(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.verified(w, r); !ok {
		return
	}
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "unreadable command", http.StatusBadRequest)
		return
	}
	ctx, cancel := detach(r.Context())
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(h.slash(ctx, cmd))
}

// ephemeral is a slash command's answer that only its author sees.
func ephemeral(text string) map[string]any {
	return map[string]any{"response_type": slack.ResponseTypeEphemeral, "text": fitAnswer(text)}
}

// command runs one /helpdesk command and returns its answer.
func (h *Handler) command(ctx context.Context, cmd slack.SlashCommand) string {
	actor, err := h.actor(ctx, cmd.UserID)
	if err != nil {
		h.log.WarnContext(ctx, "cannot tell who sent a slash command", keyUser, cmd.UserID, keyError, err)
		return notChecked
	}
	if actor.Kind != core.ActorAgent {
		h.log.InfoContext(ctx, "slash command from a non-agent refused", keyUser, cmd.UserID)
		return notAgent
	}
	text := strings.TrimSpace(cmd.Text)
	fields := strings.Fields(text)
	if len(fields) == 0 || strings.EqualFold(fields[0], "help") {
		return usage
	}
	if n, ok := ticketRef(fields[0]); ok {
		if len(fields) < 2 {
			return "Say what to do with ticket #" + strconv.FormatInt(n, 10) + ".\n" + usage
		}
		return h.act(ctx, actor, n, strings.ToLower(fields[1]), fields[2:], rest(text, 2))
	}
	switch strings.ToLower(fields[0]) {
	case "find":
		if len(fields) < 2 {
			return "Usage: `/helpdesk find WORDS`, `/helpdesk find MESSAGE-ID` or `/helpdesk find #N`"
		}
		if len(fields) == 2 {
			if ref := unescape(fields[1]); strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "<") || strings.Contains(ref, "@") {
				return h.find(ctx, ref)
			}
		}
		return h.search(ctx, plainText(rest(text, 1)))
	case "queue":
		tag := ""
		if len(fields) > 1 {
			tag, _ = strings.CutPrefix(strings.ToLower(plainText(fields[1])), "tag:")
		}
		return h.queue(ctx, tag)
	case "new":
		return h.newTicket(ctx, actor, text)
	case "credits":
		if len(fields) != 2 {
			return "Usage: `/helpdesk credits EMAIL`"
		}
		return h.credits(ctx, plainText(fields[1]))
	case "away", "back":
		return h.away(ctx, actor, strings.EqualFold(fields[0], "away"))
	}
	return fmt.Sprintf("I do not know %q.\n%s", escape(clip(fields[0], 40)), usage)
}

// ticketRef reads "#1042" or "1042".
func ticketRef(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	return n, err == nil && n > 0
}

// rest returns text after its first n fields, as typed.
func rest(text string, n int) string {
	for range n {
		text = strings.TrimLeft(text, " \t\r\n")
		i := strings.IndexAny(text, " \t\r\n")
		if i < 0 {
			return ""
		}
		text = text[i:]
	}
	return strings.TrimSpace(text)
}

// act runs one ticket action for the agent, the same vocabulary as
// `helpdesk ticket act`. raw is the text after the action, as typed, for
// the actions that take a free text.
func (h *Handler) act(ctx context.Context, actor core.Actor, n int64, action string, args []string, raw string) string {
	for i := range args {
		args[i] = unescape(args[i])
	}
	ac, _ := core.LookupAction(action)
	switch {
	case ac.Agent && len(args) == 1:
		ag, err := h.agentByRef(ctx, actor, args[0])
		if err != nil {
			return h.safeMessage(ctx, err, action)
		}
		args = []string{ag.ID}
	case ac.Text:
		args = []string{plainText(raw)}
	}
	res, err := h.core.Act(ctx, n, actor, action, args...)
	if err != nil {
		return h.safeMessage(ctx, err, action)
	}
	h.log.InfoContext(ctx, "slash command done", keyTicket, n, keyUser, actor.ID, "action", action)
	h.changed()
	return sentence(escape(clip(res, sentenceShown)))
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// find answers /helpdesk find with the ticket a Message-ID or number
// names.
func (h *Handler) find(ctx context.Context, ref string) string {
	if n, ok := ticketRef(ref); ok {
		return h.summary(ctx, n, "")
	}
	id := strings.TrimSuffix(strings.TrimPrefix(plainText(ref), "<"), ">")
	f, err := h.db.FindMessageID(ctx, id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return fmt.Sprintf("No mail with Message-ID %s is stored.", escape("<"+clip(id, addressShown)+">"))
	}
	if err != nil {
		return h.safeMessage(ctx, err, "find")
	}
	if f.Ticket == 0 {
		return fmt.Sprintf("%s is stored but belongs to no ticket (automatic mail that matched none).", escape("<"+clip(id, addressShown)+">"))
	}
	what := "a mail the gateway sent"
	if f.Message != nil {
		what = fmt.Sprintf("message %d (%s, from %s)", f.Message.ID, f.Direction, escape(clip(f.Message.From, addressShown)))
	}
	return h.summary(ctx, f.Ticket, fmt.Sprintf("%s is %s of ", escape("<"+clip(id, addressShown)+">"), what))
}

// summary is one line about a ticket, with a link to its thread.
func (h *Handler) summary(ctx context.Context, n int64, lead string) string {
	r, err := h.db.TicketRow(ctx, n)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return fmt.Sprintf("There is no ticket #%d.", n)
	}
	if err != nil {
		return h.safeMessage(ctx, err, "find")
	}
	parts := []string{r.Status, "priority " + r.Priority}
	if r.HotRush {
		parts = append(parts, "🔥 HotRush")
	}
	if r.Solved {
		parts = append(parts, "marked solved")
	}
	if r.Assignee != "" {
		parts = append(parts, "assigned to "+who(r.Assignee))
	}
	if r.Email != "" {
		parts = append(parts, escape(clip(r.Email, addressShown)))
	}
	s := fmt.Sprintf("%s*#%d* %s — %s", lead, r.Number, escape(clip(r.Subject, subjectShown)), strings.Join(parts, " · "))
	if link := h.permalink(ctx, r.SlackChannel, r.SlackTS); link != "" {
		s += " · <" + link + "|thread>"
	}
	return s
}

// who shows an agent id as a mention when it is a Slack user id.
func who(id string) string {
	if _, ok := mentionID("<@" + id + ">"); ok {
		return "<@" + id + ">"
	}
	return escape(id)
}

// permalink links a ticket's thread, or returns "" when it cannot.
func (h *Handler) permalink(ctx context.Context, channel, ts string) string {
	if h.opts.API == nil || channel == "" || ts == "" {
		return ""
	}
	link, err := h.opts.API.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
	if err != nil {
		h.log.DebugContext(ctx, "chat.getPermalink failed", keyChannel, channel, keyError, err)
		return ""
	}
	return link
}

// queue answers /helpdesk queue [tag:T]: the first tickets awaiting a staff reply
// in queue order (docs/rules.md §3).
func (h *Handler) queue(ctx context.Context, tag string) string {
	rows, err := h.db.QueueTagged(ctx, tag, queueShown)
	if err != nil {
		return h.safeMessage(ctx, err, "queue")
	}
	tagged := ""
	if tag != "" {
		tagged = " tagged " + escape(clip(tag, 40))
	}
	if len(rows) == 0 {
		return "The queue is empty: no ticket" + tagged + " awaits a reply."
	}
	var b strings.Builder
	b.WriteString("*Queue*" + tagged + " (awaiting a reply, most urgent first)")
	for i, r := range rows {
		hot := ""
		if r.HotRush {
			hot = "🔥 "
		}
		due := "—"
		if !r.SLADue.IsZero() {
			due = fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", r.SLADue.Unix(), r.SLADue.UTC().Format("2006-01-02 15:04 UTC"))
		}
		fmt.Fprintf(&b, "\n%d. %s*#%d* %s — %s · %s · due %s (%s)", i+1, hot, r.Number, escape(clip(r.Subject, subjectShown)),
			r.Priority, r.Status, due, r.SLAState)
	}
	return b.String()
}

// credits answers /helpdesk credits EMAIL.
func (h *Handler) credits(ctx context.Context, email string) string {
	if h.opts.Credits == nil {
		return "Credits are not available yet."
	}
	s, err := h.opts.Credits.CreditsSummary(ctx, email)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return fmt.Sprintf("No account has the address %s.", escape(clip(email, addressShown)))
	}
	if err != nil {
		return h.safeMessage(ctx, err, "credits")
	}
	return escape(s)
}

// searchShown is how many tickets /helpdesk find WORDS lists.
const searchShown = 10

// search answers /helpdesk find WORDS: the best tickets, each with a
// snippet of its best message, the matched words in bold. Words
// tag:T, status:S and department:D (or dept:D) filter rather than match.
func (h *Handler) search(ctx context.Context, words string) string {
	q := core.SearchQuery{Limit: searchShown}
	var rest []string
	for _, w := range strings.Fields(words) {
		key, v, ok := strings.Cut(w, ":")
		switch key = strings.ToLower(key); {
		case ok && v != "" && key == "tag":
			q.Tag = v
		case ok && v != "" && key == "status":
			q.Status = v
		case ok && v != "" && (key == "department" || key == "dept"):
			q.Department = v
		default:
			rest = append(rest, w)
		}
	}
	terms, err := core.SearchTerms(strings.Join(rest, " "))
	if err != nil {
		return h.safeMessage(ctx, err, "find")
	}
	q.Terms = terms
	hits, err := h.db.Search(ctx, q)
	if err != nil {
		return h.safeMessage(ctx, err, "find")
	}
	if len(hits) == 0 {
		return fmt.Sprintf("No ticket holds %s.", escape(strings.Join(terms, " ")))
	}
	var b strings.Builder
	for _, hit := range hits {
		snip := core.MarkSnippet(hit.Snippet, "*", "*", func(s string) string {
			return escape(core.SquashSpace(s))
		})
		fmt.Fprintf(&b, "• *#%d* %s (%s): %s\n", hit.Number, escape(clip(hit.Subject, subjectShown)), hit.Status, snip)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// away runs /helpdesk away and /helpdesk back.
func (h *Handler) away(ctx context.Context, actor core.Actor, away bool) string {
	if h.opts.Away == nil {
		return "Being away is not available here."
	}
	msg, err := h.opts.Away.SetAway(ctx, actor, away)
	if err != nil {
		return h.safeMessage(ctx, err, "away")
	}
	h.changed()
	return msg
}
