package mail

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"helpdesk/core"
)

// bounceOf decides whether a mail is a delivery failure report (docs/rules.md
// §6: a bounce marks the address as bouncing) and says why. Header clues
// alone are not enough, and one in thirty real bounces has none, so it
// looks at, in order:
//  1. a delivery-status part (RFC 3464), whatever the container;
//  2. an Amazon SES bounce notification (JSON, possibly wrapped by SNS);
//  3. a system sender (mailer-daemon, postmaster, null return path,
//     "Mail Delivery System") with a bounce subject or bounce wording;
//  4. the wording of a known MTA's report (Postfix, Sendmail, Exim,
//     qmail, Exchange, Gmail, Yahoo …) in a mail that is not a forward.
//
// Read receipts and abuse reports (multipart/report of another type) and
// auto-replies are not bounces, and neither is a system sender's mail
// that says nothing about a failed delivery.
func bounceOf(c content, subject, text string) (b *core.Bounce, why string) {
	if reportType(c) == "disposition-notification" || reportType(c) == "feedback-report" {
		return nil, ""
	}
	if c.root != nil {
		if rcpts, ok := dsnRecipients(c.root); ok {
			if len(rcpts) == 0 {
				rcpts = textRecipients(text, c.header)
			}
			return returned(&core.Bounce{Recipients: rcpts}, c, text), "delivery status notification"
		}
	}
	if rcpts, ok := sesRecipients(text); ok {
		return returned(&core.Bounce{Recipients: rcpts}, c, text), "Amazon SES bounce notification"
	}
	fromSystem := systemSender(c)
	switch {
	case fromSystem && bounceSubject.MatchString(subject):
		why = "subject " + truncate(subject, 60)
	case fromSystem && bounceWording.MatchString(head(text)) && !autoReplied(c):
		why = "failure report from " + fromSystemName(c)
	case hasStrongWording(head(text)) && !forwardSubject.MatchString(subject):
		why = "failure report text"
	case c.ctype == "multipart/report" && reportType(c) == "delivery-status":
		why = "multipart/report without a delivery-status part"
	default:
		return nil, ""
	}
	return returned(&core.Bounce{Recipients: textRecipients(text, c.header)}, c, text), why
}

// returned adds to b the Message-IDs of the message the report returns.
func returned(b *core.Bounce, c content, text string) *core.Bounce {
	b.MessageIDs = returnedIDs(c, text)
	return b
}

// autoReplied reports an RFC 3834 "auto-replied" mail. Without a
// delivery-status part or a bounce subject, such mail from a system
// address is an auto-responder's notice rather than an MTA's report.
func autoReplied(c content) bool {
	v, _ := headerValue(c.header, "Auto-Submitted")
	kw, _, _ := strings.Cut(v, ";")
	return strings.EqualFold(strings.TrimSpace(kw), "auto-replied")
}

// reportType is the report-type parameter of a multipart/report mail.
func reportType(c content) string {
	if c.ctype != "multipart/report" {
		return ""
	}
	v, _ := headerValue(c.header, "Content-Type")
	m := reportTypeParam.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

var reportTypeParam = regexp.MustCompile(`(?i)report-type\s*=\s*"?([a-z0-9-]+)`)

// systemSender reports whether the mail comes from a mail system rather
// than a person.
func systemSender(c content) bool {
	from, _ := headerValue(c.header, "From")
	if systemFrom.MatchString(from) || nullFrom.MatchString(from) {
		return true
	}
	for _, v := range c.header.Values("Return-Path") {
		if strings.Join(strings.Fields(v), "") == "<>" {
			return true
		}
	}
	return false
}

func fromSystemName(c content) string {
	from, _ := headerValue(c.header, "From")
	if m := systemFrom.FindString(from); m != "" {
		return strings.ToLower(strings.Trim(m, " <\"@"))
	}
	return "null sender"
}

// maxBounceText bounds how much of a body the bounce patterns read: the
// explanation comes first, the returned message after it.
const maxBounceText = 8 << 10

func head(s string) string {
	if len(s) > maxBounceText {
		return s[:maxBounceText]
	}
	return s
}

var (
	systemFrom = regexp.MustCompile(`(?i)(^|[\s<"])(mailer-daemon|postmaster|post_master|no-?reply|mail delivery (system|subsystem|service)|mail ?administrator|mailadmin|mdaemon|mailerdaemon|mail\.delivery|bounces?|nobody|MAILER_DAEMON|Mail Delivery System)(@|>|\s|"|$)`)

	bounceSubject = regexp.MustCompile(`(?i)(undeliver|undelivered|not delivered|non[- ]?deliver|delivery (status notification|failure|failed|problem|report|notification)|mail delivery (failed|failure|problem|error)|failure notice|returned mail|returning message|could not (be )?deliver|delivery has failed|mail system error|unzustellbar|nicht zustellbar|non remis|no se puede entregar|não é possível entregar|onbestelbaar|impossibile recapitare|olevererbar|kan ikke leveres|nie można dostarczyć|недоставлен|не удается доставить|配信不能|配送不能|未送達|エラー|无法投递|退信|系统退信|return(ed|ing) to sender|mail failed|smtp server: errors|メールエラー|エラー通知|message status|delivery notification|warning: could not send|mail could not be delivered|rejected|permanent error|zustellung fehlgeschlagen|benachrichtigung zum übermittlungsstatus|notificación de estado de entrega|rapport de non-remise|échec de (la )?remise|Mail failure|error sending|dsn)`)

	// bounceWording is what the explanation of a failure report says; it
	// is only trusted from a system sender.
	bounceWording = regexp.MustCompile(`(?i)(could not be delivered|couldn't be delivered|invalid (user|recipient|address|mailbox)|transcript of session follows|wasn't delivered|was not delivered|undeliverable|delivery (to the following|has failed|failed|failure)|permanent (fatal )?error|user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (unavailable|full|not found)|recipient address rejected|message (was )?rejected|host unknown|returned to the sender|unable to deliver|did not reach|failed permanently|quota exceeded|over quota|550[ -]|554[ -]|5\.\d\.\d|could not deliver|not be delivered|ne peut être distribué|nicht zugestellt|konnte nicht|no pudo ser entregado|non è stato possibile|не может быть доставлено|送信できませんでした|届きませんでした|配信できませんでした)`)

	forwardSubject = regexp.MustCompile(`(?i)^\s*(fwd?|wg|tr|rv|enc|vs|doorst|i|pd|fs|転送)\s*:`)
)

// strongWording is what MTAs write at the start of a line of their
// reports, and no person does (lower case; a line is compared after its
// leading blanks and dashes).
var strongWording = []string{
	"this is the mail system at host",
	"i'm sorry to have to inform you that your message could not",
	"hi. this is the qmail-send program",
	"this message was created automatically by mail delivery software",
	"the original message was received at",
	"the following addresses had permanent fatal errors",
	"delivery to the following recipient",
	"your message wasn't delivered to", "your message was not delivered to",
	"your message couldn't be delivered to", "your message could not be delivered to",
	"delivery has failed to these recipients or groups",
	"your message did not reach some or all of the intended recipients",
	"sorry, we were unable to deliver your message",
	"this is an automatically generated delivery status notification",
	"unable to deliver message to the following",
	"a message that you sent could not be delivered",
	"could not be delivered to one or more recipients",
	"your mail message to the following address(es) could not be delivered",
	"this message was undeliverable due to the following reason",
	"the following recipient(s) could not be reached",
	"your message cannot be delivered to the following recipients",
}

// strongWordingWith are line starts that count with a word later in the
// line: "Message delivery to x@y failed", "The following message to <x>
// was undeliverable".
var strongWordingWith = [][2]string{
	{"message delivery to ", " failed"},
	{"the following message to <", "undeliverable"},
}

// hasStrongWording reports whether a line of text starts with the
// wording of an MTA's failure report.
func hasStrongWording(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimLeft(l, " \t-")
		if len(l) < 20 || len(l) > 300 {
			continue
		}
		l = strings.ToLower(l)
		for _, w := range strongWording {
			if strings.HasPrefix(l, w) {
				return true
			}
		}
		for _, w := range strongWordingWith {
			if strings.HasPrefix(l, w[0]) && strings.Contains(l, w[1]) {
				return true
			}
		}
	}
	return false
}

// textRecipients takes the failed addresses from the explanation of a
// non-standard bounce: the addresses it names, other than the system's
// own and the addressee's (who sent the original), each with the first
// status code found near it.
func textRecipients(text string, h map[string][]string) []core.BouncedRecipient {
	text = head(explanation(text))
	skip := map[string]bool{}
	for _, name := range []string{"To", "From", "Delivered-To", "X-Original-To"} {
		for _, v := range h[name] {
			for _, m := range bodyAddress.FindAllString(v, -1) {
				skip[strings.ToLower(m)] = true
			}
		}
	}
	var rcpts []core.BouncedRecipient
	for _, m := range bodyAddress.FindAllStringIndex(text, -1) {
		addr := strings.ToLower(strings.Trim(text[m[0]:m[1]], "."))
		local, _, _ := strings.Cut(addr, "@")
		if skip[addr] || systemLocal[local] {
			continue
		}
		near := text[m[1]:min(len(text), m[1]+400)]
		r := core.BouncedRecipient{Addr: addr, Status: statusCode.FindString(near), Action: "failed"}
		if line := diagnosticLine.FindString(near); line != "" {
			r.Diagnostic = truncate(cleanLine(line), 300)
		}
		r.Permanent = isPermanent(r.Status, r.Action)
		rcpts = append(rcpts, r)
		if len(rcpts) == 10 {
			break
		}
	}
	return dedupeRecipients(rcpts)
}

// explanation cuts off the copy of the returned message that many
// bounces append to their text.
func explanation(text string) string {
	if loc := returnedCopy.FindStringIndex(text); loc != nil {
		return text[:loc[0]]
	}
	return text
}

var (
	bodyAddress    = regexp.MustCompile(`[A-Za-z0-9._%+=/'-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}`)
	diagnosticLine = regexp.MustCompile(`(?m)[^\n]*\b[45]\d\d\b[^\n]*`)
	returnedCopy   = regexp.MustCompile(`(?im)^.*(below this line is a copy of the message|this is a copy of the message|original message follows|^-+ ?original message ?-+|the original message is attached|^Received: from|^Return-Path:|^Message-ID:).*$`)
	systemLocal    = map[string]bool{"mailer-daemon": true, "postmaster": true, "root": true, "abuse": true}
)

// sesRecipients reads an Amazon SES bounce notification, as SES sends
// it by mail or as SNS wraps it ("Message" holds the JSON as a string).
func sesRecipients(text string) ([]core.BouncedRecipient, bool) {
	if !strings.Contains(text, `"bounce"`) && !strings.Contains(text, `"Bounce"`) {
		return nil, false
	}
	i, j := strings.IndexByte(text, '{'), strings.LastIndexByte(text, '}')
	if i < 0 || j < i {
		return nil, false
	}
	var n sesNotification
	if json.Unmarshal([]byte(text[i:j+1]), &n) != nil {
		// Mailed notifications wrap the JSON at 76 columns.
		unwrapped := strings.NewReplacer("\r", "", "\n", "").Replace(text[i : j+1])
		if json.Unmarshal([]byte(unwrapped), &n) != nil {
			return nil, false
		}
	}
	if n.Message != "" {
		var inner sesNotification
		if json.Unmarshal([]byte(n.Message), &inner) != nil {
			return nil, false
		}
		n = inner
	}
	if !strings.EqualFold(n.NotificationType, "Bounce") && !strings.EqualFold(n.EventType, "Bounce") {
		return nil, false
	}
	var rcpts []core.BouncedRecipient
	for _, r := range n.Bounce.BouncedRecipients[:min(len(n.Bounce.BouncedRecipients), maxReportRecipients)] {
		addr := dsnAddress(r.EmailAddress)
		if addr == "" {
			continue
		}
		br := core.BouncedRecipient{
			Addr:       addr,
			Status:     statusCode.FindString(r.Status),
			Action:     strings.ToLower(r.Action),
			Diagnostic: truncate(cleanLine(toUTF8(r.DiagnosticCode)), 500),
		}
		br.Permanent = strings.EqualFold(n.Bounce.BounceType, "Permanent") || isPermanent(br.Status, br.Action)
		rcpts = append(rcpts, br)
	}
	return dedupeRecipients(rcpts), true
}

type sesNotification struct {
	Message          string `json:"Message"`
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Status         string `json:"status"`
			Action         string `json:"action"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
}

// bounceReason is the AutoReason of a bounce.
func bounceReason(b *core.Bounce, why string) string {
	var addrs []string
	for _, r := range b.Recipients {
		s := r.Addr
		if r.Status != "" {
			s += " " + r.Status
		}
		addrs = append(addrs, s)
		if len(addrs) == 3 {
			addrs = append(addrs, "…")
			break
		}
	}
	if len(addrs) == 0 {
		return "bounce: " + why
	}
	return fmt.Sprintf("bounce: %s (%s)", why, strings.Join(addrs, ", "))
}
