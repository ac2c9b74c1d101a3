package core

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MailLimits bound what one mail may make the gateway do and send
// (docs/operations.md, "Limits"): a stranger's mail must not cost more
// than a fixed multiple of an honest one, neither in the actions it runs
// nor in the mail it makes the gateway send. A zero field means its
// default.
type MailLimits struct {
	// CommandsPerMail is how many #commands of one mail run; the others
	// are answered as ignored, in one line. At most MaxCommandsPerMail.
	CommandsPerMail int
	// QuoteBytes bounds the customer's text that a notice quotes back
	// (an acknowledgment's "You wrote:"), cut at a word boundary and
	// marked. At most MaxQuoteBytes.
	QuoteBytes int
	// References is how many message ids a notice's References keeps
	// (the first and the last References−1, RFC 5322 §3.6.4), and how
	// many of a received mail's In-Reply-To and References are looked
	// up to find its ticket. At most MaxReferences.
	References int
}

// Defaults and ceilings of MailLimits. The ceilings keep every notice
// within a fixed size (MaxNoticeBytes) whatever the configuration.
const (
	DefaultCommandsPerMail = 10
	DefaultQuoteBytes      = 2000
	DefaultReferences      = 10

	MaxCommandsPerMail = 20
	MaxQuoteBytes      = 4000
	MaxReferences      = 20
)

// MaxNoticeBytes is the most a notice mail (headers and both parts) may
// take, whatever a customer put into the mail it answers: about twenty
// times an ordinary acknowledgment.
const MaxNoticeBytes = 64 << 10

// The bounds of the other strings a customer controls in a notice: the
// subject, names, one line of a list. They are bytes of UTF-8.
const (
	noticeSubjectBytes = 200
	noticeNameBytes    = 64
	noticeLineBytes    = 250 // a command's result, a status reason
	commandEchoBytes   = 60  // the command line quoted in its result
	listSubjectBytes   = 80  // a ticket's subject in the #tickets list
	statusBytes        = 40
)

// CeilingLimits are the largest limits Validate allows: what every
// notice keeps within, however the gateway is configured.
func CeilingLimits() MailLimits {
	return MailLimits{CommandsPerMail: MaxCommandsPerMail, QuoteBytes: MaxQuoteBytes, References: MaxReferences}
}

// withDefaults fills the zero fields.
func (l MailLimits) withDefaults() MailLimits {
	if l.CommandsPerMail <= 0 {
		l.CommandsPerMail = DefaultCommandsPerMail
	}
	if l.QuoteBytes <= 0 {
		l.QuoteBytes = DefaultQuoteBytes
	}
	if l.References <= 0 {
		l.References = DefaultReferences
	}
	return l
}

// Validate refuses a value below its floor or above its ceiling; zero
// means the default.
func (l MailLimits) Validate() error {
	for _, f := range []struct {
		key       string
		v, lo, hi int
	}{
		{"commands_per_mail", l.CommandsPerMail, 1, MaxCommandsPerMail},
		{"quote_bytes", l.QuoteBytes, 200, MaxQuoteBytes},
		{"references", l.References, 2, MaxReferences},
	} {
		if f.v != 0 && (f.v < f.lo || f.v > f.hi) {
			return fmt.Errorf("limits.%s = %d: want %d to %d (0 for the default)", f.key, f.v, f.lo, f.hi)
		}
	}
	return nil
}

// boundEmail trims what a received mail may make the rules do: the ids
// looked up to find its ticket, the footer references checked, and the
// commands run. It is idempotent.
func (l MailLimits) boundEmail(e *Email) {
	e.References = TrimReferences(e.References, l.References)
	if len(e.InReplyTo) > l.References {
		e.InReplyTo = e.InReplyTo[:l.References]
	}
	if len(e.Refs) > l.References {
		e.Refs = e.Refs[:l.References]
	}
	if n := len(e.Commands) - l.CommandsPerMail; n > 0 {
		e.Commands = e.Commands[:l.CommandsPerMail:l.CommandsPerMail]
		e.CommandsIgnored += n
	}
}

// TrimReferences keeps the first id and the last n−1 of ids, as RFC 5322
// §3.6.4 suggests for a long References: the first names the thread's
// start, the last its recent mail. ids itself is not changed.
func TrimReferences(ids []string, n int) []string {
	if n < 1 {
		n = 1
	}
	if len(ids) <= n {
		return ids
	}
	out := make([]string, 0, n)
	out = append(out, ids[0])
	return append(out, ids[len(ids)-n+1:]...)
}

// BoundNotice returns n with every string a customer controls cut to its
// bound: the quote of their text (not a staff answer's text, which is
// staff's own), subjects, names, the lines of lists and the number of
// them, and the References. A notice so bounded renders within
// MaxNoticeBytes.
func (l MailLimits) BoundNotice(n EmailNotice) EmailNotice {
	l = l.withDefaults()
	n.Subject = Excerpt(oneLine(n.Subject), noticeSubjectBytes+24) // "[#N] " and the subject
	n.To.Name = Excerpt(oneLine(n.To.Name), noticeNameBytes)
	if len(n.Cc) > MaxParticipants {
		n.Cc = n.Cc[:MaxParticipants]
	}
	n.Cc = append([]Address(nil), n.Cc...)
	for i := range n.Cc {
		n.Cc[i].Name = Excerpt(oneLine(n.Cc[i].Name), noticeNameBytes)
	}
	n.References = TrimReferences(n.References, min(l.References, MaxReferences))
	n.Data = l.BoundNoticeData(n.Template, n.Data)
	return n
}

// BoundNoticeData is BoundNotice for the data a template shows alone.
func (l MailLimits) BoundNoticeData(template string, d Notice) Notice {
	l = l.withDefaults()
	if template != TemplateReply {
		d.Text = Excerpt(d.Text, min(l.QuoteBytes, MaxQuoteBytes))
	}
	d.Subject = Excerpt(d.Subject, noticeSubjectBytes)
	d.Name = Excerpt(d.Name, noticeNameBytes)
	d.Agent = Excerpt(d.Agent, noticeNameBytes)
	d.Status = Excerpt(d.Status, statusBytes)
	d.Reason = Excerpt(d.Reason, noticeLineBytes)
	if len(d.Results) > MaxCommandsPerMail+1 {
		d.Results = d.Results[:MaxCommandsPerMail+1]
	}
	d.Results = append([]string(nil), d.Results...)
	for i, r := range d.Results {
		d.Results[i] = Excerpt(r, noticeLineBytes)
	}
	if len(d.Tickets) > MaxTicketList {
		d.Tickets = d.Tickets[:MaxTicketList]
	}
	d.Tickets = append([]TicketLine(nil), d.Tickets...)
	for i := range d.Tickets {
		tl := &d.Tickets[i]
		tl.Subject = Excerpt(tl.Subject, listSubjectBytes)
		tl.Status = Excerpt(tl.Status, statusBytes)
	}
	return d
}

// Excerpt returns s when it has at most max bytes, and otherwise its
// start cut to fit with the marker " …": at the last blank in the final
// fifth when there is one, so that no word is split, and never inside a
// character. Only that fifth is walked.
func Excerpt(s string, max int) string {
	const marker = " …"
	if len(s) <= max {
		return s
	}
	end := max - len(marker)
	if end <= 0 {
		return ""
	}
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	cut := end
	for i := end - 1; i > end*4/5; i-- {
		if s[i] == ' ' || s[i] == '\n' || s[i] == '\t' {
			cut = i
			break
		}
	}
	return strings.TrimRightFunc(s[:cut], unicode.IsSpace) + marker
}

// oneLine makes s a single line: a header value or a name.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// ignoredCommands is the one line that answers the commands of a mail
// after the first CommandsPerMail, in the sender's language.
func ignoredCommands(n, limit int, lang string) string {
	if lang == LangRU {
		return fmt.Sprintf("… остальные команды (ещё %s) не выполнены: не больше %d в одном письме",
			groupDigits(n, "\u00a0"), limit)
	}
	if n == 1 {
		return fmt.Sprintf("… and 1 more command was ignored: at most %d per mail", limit)
	}
	return fmt.Sprintf("… and %s more commands were ignored: at most %d per mail", groupDigits(n, ","), limit)
}

// groupDigits writes n with sep between groups of three digits.
func groupDigits(n int, sep string) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}
