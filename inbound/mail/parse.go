package mail

import (
	"bytes"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"helpdesk/core"
)

// Parse parses one inbound mail into a *core.Email with the default
// ParseOptions. raw is kept as Email.Raw, unchanged, and env as
// Email.Envelope.
//
// Defects are repaired and reported in Email.Warnings; the error is a
// *core.Error with code core.EINVALID, and a message safe to send back
// over SMTP, only for mail that can never be accepted: empty input, no
// header section, no usable From address, or nothing at all to read (no
// subject, text or attachment). Parse does not panic on any input.
func Parse(raw []byte, env core.Envelope) (*core.Email, error) {
	return ParseWith(raw, env, ParseOptions{})
}

// ParseWith is Parse with explicit limits; see ParseOptions.
func ParseWith(raw []byte, env core.Envelope, opts ParseOptions) (*core.Email, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, invalid(msgEmpty)
	}
	msg, skipped, ok := messageStart(raw)
	if !ok {
		return nil, invalid(msgNoHeader)
	}
	opts = opts.withDefaults()
	c, err := readContent(msg, opts)
	if err != nil {
		return nil, err
	}
	p := &parsed{email: &core.Email{Raw: raw, Envelope: env, BodyHash: bodyHash(msg)}}
	if skipped != "" {
		p.warn("skipped " + skipped + " before the header")
	}
	p.warnings(c.warnings)

	p.ids(c, raw)
	if err := p.addresses(c); err != nil {
		return nil, err
	}
	p.subjectAndDate(c)
	p.email.Language = contentLanguage(c)
	text := p.extractText(c, opts)
	reason := p.classify(c, env, text)
	if p.email.From.Addr == "" {
		if reason == "" {
			return nil, invalid(msgNoFrom)
		}
		p.unknownSender(c)
	}
	p.email.Attachments = p.attachments(c, opts)
	if p.email.Subject == "" && strings.TrimSpace(text) == "" && len(p.email.Attachments) == 0 {
		return nil, invalid(msgNoContent)
	}
	p.email.Commands, p.email.CommandsIgnored, p.email.Text = readCommands(p.email.Text)
	p.email.Refs = findRefs(p.email.Quoted)
	p.email.Auto, p.email.AutoReason = reason != "", reason
	return p.email, nil
}

// classify sets Bounce and returns the AutoReason: a bounce first (its
// reason says which recipients failed), then the auto-reply signs.
func (p *parsed) classify(c content, env core.Envelope, text string) string {
	if b, why := bounceOf(c, p.email.Subject, text); b != nil {
		p.email.Bounce = b
		return bounceReason(b, why)
	}
	return autoReason(c.header, c.ctype, env, p.email.Subject)
}

// parsed is an Email under construction, with the warnings on the way.
type parsed struct {
	email *core.Email
}

func (p *parsed) warn(w string) {
	if w != "" {
		p.email.Warnings = append(p.email.Warnings, toUTF8(w))
	}
}

func (p *parsed) warnings(ws []string) {
	for _, w := range ws {
		p.warn(w)
	}
}

// ids sets MessageID, InReplyTo and References. A mail without a usable
// Message-ID gets one made from its bytes, so it can still be stored and
// recognised when it arrives again.
func (p *parsed) ids(c content, raw []byte) {
	e := p.email
	v, present := headerValue(c.header, "Message-ID")
	if ids, _ := msgIDs(toUTF8(v)); len(ids) > 0 {
		e.MessageID = ids[0]
	} else {
		e.MessageID = syntheticMsgID(raw)
		if present {
			p.warn(fmt.Sprintf("Message-ID %q unusable, synthesised %s", truncate(toUTF8(v), 100), e.MessageID))
		} else {
			p.warn("Message-ID missing, synthesised " + e.MessageID)
		}
	}
	var junk int
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"In-Reply-To", &e.InReplyTo}, {"References", &e.References}} {
		v, _ := headerValue(c.header, f.name)
		*f.dst, junk = msgIDs(toUTF8(v))
		if junk > 0 {
			p.warn(fmt.Sprintf("%s: ignored %d token(s) that are not msg-ids", f.name, junk))
		}
	}
}

// addresses sets From (the sender, see sender), ReplyTo, To, Cc and
// DeliveredTo. Several From mailboxes without a Sender are an error.
func (p *parsed) addresses(c content) error {
	e := p.email
	for _, f := range []struct {
		name string
		dst  *[]core.Address
	}{{"Reply-To", &e.ReplyTo}, {"To", &e.To}, {"Cc", &e.Cc}} {
		v, _ := headerValue(c.header, f.name)
		var w string
		*f.dst, w = addressList(v)
		p.warn(w)
	}
	e.DeliveredTo = deliveredTo(c.header)
	from, warns, err := sender(c.header)
	p.warnings(warns)
	e.From = from
	return err
}

// subjectAndDate sets Subject and Date; Date stays zero when the field
// is missing or unreadable.
func (p *parsed) subjectAndDate(c content) {
	e := p.email
	v, _ := headerValue(c.header, "Subject")
	var w string
	e.Subject, w = decodeHeader(v)
	if w != "" {
		p.warn("Subject: " + w)
	}
	if v, ok := headerValue(c.header, "Date"); ok && strings.TrimSpace(v) != "" {
		d, err := mail.ParseDate(cleanLine(toUTF8(v)))
		if err != nil {
			p.warn(fmt.Sprintf("Date %q unreadable: %v", truncate(toUTF8(v), 100), err))
		} else {
			e.Date = d
		}
	}
}

// unknownSender gives automatic mail whose From has no usable address
// (bounces from "MAILER-DAEMON" or "<>") a placeholder sender in the
// reserved .invalid domain. docs/rules.md §6 wants bounces and auto-replies
// stored and classified, and refusing them would lose that; nothing is
// ever sent to such mail, so the placeholder is never used as a target.
func (p *parsed) unknownSender(c content) {
	v, _ := headerValue(c.header, "From")
	v = strings.TrimSpace(toUTF8(v))
	local, name := "unknown", v
	if m := angleLocal.FindStringSubmatchIndex(v); m != nil {
		if m[2] >= 0 {
			local = v[m[2]:m[3]]
		}
		name = v[:m[0]] + v[m[1]:]
	} else if bareLocal.MatchString(v) {
		local, name = v, ""
	}
	name, _ = decodeHeader(name)
	p.email.From = core.Address{
		Name: strings.Trim(name, `"' `),
		Addr: strings.ToLower(local) + "@" + invalidDomain,
	}
	p.warn(fmt.Sprintf("From %q has no usable address, using %s for this automatic mail", truncate(v, 100), p.email.From.Addr))
}

// invalidDomain is the reserved domain (RFC 2606) of the placeholders
// Parse makes up: a synthesised Message-ID and an unknown sender.
const invalidDomain = "helpdesk.invalid"

// angleLocal and bareLocal find a domain-less mailbox: "Name <MAILER-DAEMON>",
// "Name <>" or a lone "mailer-daemon".
var (
	angleLocal = regexp.MustCompile(`<\s*([A-Za-z0-9._+=-]+)?\s*>`)
	bareLocal  = regexp.MustCompile(`^[A-Za-z0-9._+=-]+$`)
)
