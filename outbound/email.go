package outbound

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"helpdesk/core"
	"helpdesk/templates"
)

// BuildEmail renders the notice n and returns it as an RFC 5322 message
// from from, dated date: multipart/alternative with a text/plain and a
// text/html part, both UTF-8 and quoted-printable. The headers thread it
// (Message-ID, In-Reply-To, References), route the reply (Reply-To) and
// mark an automatic notice as such (RFC 3834 Auto-Submitted, and
// Microsoft's X-Auto-Response-Suppress so that Exchange does not answer it
// with an out-of-office). A staff answer (core.TemplateReply) is written
// by a person and carries neither.
//
// Values from customers cannot add header fields: control characters in
// names and the subject become spaces, and malformed addresses or our own
// Message-ID are errors. A malformed In-Reply-To or References entry (it
// comes from the customer's mail) is left out instead, so that it costs
// threading, not the notice. Every error is permanent: building the same
// notice again gives the same result.
func BuildEmail(n core.EmailNotice, from core.Address, date time.Time) ([]byte, error) {
	return BuildEmailFiles(n, from, date, nil)
}

// BuildEmailFiles is BuildEmail with files attached: the text and HTML
// alternatives then come first in a multipart/mixed.
func BuildEmailFiles(n core.EmailNotice, from core.Address, date time.Time, files []*core.StoredFile) ([]byte, error) {
	msg, err := buildEmail(n, from, date, files)
	if err != nil {
		return nil, permanent(fmt.Errorf("build email %q: %w", n.MessageID, err))
	}
	return msg, nil
}

func buildEmail(n core.EmailNotice, from core.Address, date time.Time, files []*core.StoredFile) ([]byte, error) {
	// core bounds a notice by the configured [limits] when it writes the
	// row; the ceilings hold a row written before, or by hand, to
	// core.MaxNoticeBytes all the same (References to the first and the
	// last ids, RFC 5322 §3.6.4).
	n = core.CeilingLimits().BoundNotice(n)
	text, html, err := templates.Render(n.Template, n.Data)
	if err != nil {
		return nil, err
	}
	if !validMsgID(n.MessageID) {
		return nil, fmt.Errorf("invalid Message-ID %q", n.MessageID)
	}
	fromAddr, err := mailbox("From", from)
	if err != nil {
		return nil, err
	}
	toAddr, err := mailbox("To", n.To)
	if err != nil {
		return nil, err
	}
	ccAddrs, err := mailboxes("Cc", n.Cc)
	if err != nil {
		return nil, err
	}
	if n.Rcpt != "" {
		if _, err := mailbox("recipient", core.Address{Addr: n.Rcpt}); err != nil {
			return nil, err
		}
	}

	var replyTo *mail.Address
	if n.ReplyTo != "" {
		// The address carries a reply token: keep it out of the error,
		// which ends up in logs and in the outbox row.
		if replyTo, err = mailbox("Reply-To", core.Address{Addr: n.ReplyTo}); err != nil {
			return nil, errors.New("invalid Reply-To address")
		}
	}

	// go-message inserts each field at the top of the header, so the
	// fields are set bottom to top to come out in the usual order.
	var h mail.Header
	h.Set("MIME-Version", "1.0")
	if automatic(n.Template) {
		h.Set("X-Auto-Response-Suppress", "All")
		h.Set("Auto-Submitted", "auto-replied")
	}
	h.SetMsgIDList("References", validMsgIDs(n.References))
	if validMsgID(n.InReplyTo) {
		h.SetMsgIDList("In-Reply-To", []string{n.InReplyTo})
	}
	h.SetMessageID(n.MessageID)
	h.SetSubject(oneLine(n.Subject))
	if replyTo != nil {
		h.SetAddressList("Reply-To", []*mail.Address{replyTo})
	}
	if len(ccAddrs) > 0 {
		h.SetAddressList("Cc", ccAddrs)
	}
	h.SetAddressList("To", []*mail.Address{toAddr})
	h.SetAddressList("From", []*mail.Address{fromAddr})
	h.SetDate(date)

	if len(files) > 0 {
		var buf bytes.Buffer
		if err := writeWithFiles(&buf, h, text, html, files); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	// Quoted-printable grows ASCII text a little, UTF-8 threefold.
	return appendAlternative(make([]byte, 0, 2048+(len(text)+len(html))*5/4), h, text, html)
}

// The header of each alternative, as go-message's InlineWriter writes it.
const (
	textPartHeader = "Content-Disposition: inline\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
	htmlPartHeader = "Content-Disposition: inline\r\nContent-Transfer-Encoding: quoted-printable\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n"
)

// appendAlternative appends the mail without files to dst: header h,
// then the text and the HTML part in a multipart/alternative. It writes
// the same bytes as go-message's CreateInlineWriter and writeBodies,
// whose header copies, parsing of the header it had just set and
// writers layered for each part cost more than the rest of the mail.
func appendAlternative(dst []byte, h mail.Header, text, html string) ([]byte, error) {
	boundary, err := randomBoundary()
	if err != nil {
		return nil, err
	}
	h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
	buf := bytes.NewBuffer(dst)
	if err := textproto.WriteHeader(buf, h.Header.Header); err != nil {
		return nil, fmt.Errorf("write header: %w", err)
	}
	dst = buf.Bytes()
	for i, part := range [2]struct{ header, body string }{{textPartHeader, text}, {htmlPartHeader, html}} {
		if i > 0 {
			dst = append(dst, "\r\n"...)
		}
		dst = append(dst, "--"...)
		dst = append(dst, boundary...)
		dst = append(dst, "\r\n"...)
		dst = append(dst, part.header...)
		dst = appendQP(dst, part.body)
	}
	dst = append(dst, "\r\n--"...)
	dst = append(dst, boundary...)
	return append(dst, "--\r\n"...), nil
}

// randomBoundary is a multipart boundary made as go-message makes one:
// 30 random bytes in hex.
func randomBoundary() (string, error) {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("multipart boundary: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func writeBodies(w *mail.InlineWriter, text, html string) error {
	if err := writePart(w, "text/plain", text); err != nil {
		return err
	}
	if err := writePart(w, "text/html", html); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("close the bodies: %w", err)
	}
	return nil
}

// writeWithFiles writes a multipart/mixed: the two bodies, then files.
func writeWithFiles(buf *bytes.Buffer, h mail.Header, text, html string, files []*core.StoredFile) error {
	mw, err := mail.CreateWriter(buf, h)
	if err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	iw, err := mw.CreateInline()
	if err != nil {
		return fmt.Errorf("create the bodies: %w", err)
	}
	if err := writeBodies(iw, text, html); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeAttachment(mw, f); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("close message: %w", err)
	}
	return nil
}

// automatic reports whether mail from template is an automatic notice
// (docs/rules.md §6 puts Auto-Submitted on those): every template is but the
// staff answer.
func automatic(template string) bool {
	return template != core.TemplateReply
}

func writePart(w *mail.InlineWriter, contentType, body string) error {
	var h mail.InlineHeader
	h.SetContentType(contentType, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("create %s part: %w", contentType, err)
	}
	if _, err := io.WriteString(pw, body); err != nil {
		return fmt.Errorf("write %s part: %w", contentType, err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("close %s part: %w", contentType, err)
	}
	return nil
}

// mailbox checks a and returns it for a header field. The display name
// may hold anything (it is RFC 2047-encoded when needed), but the address
// must parse back to itself, which rules out spaces, line breaks, angle
// brackets and comments.
func mailbox(field string, a core.Address) (*mail.Address, error) {
	p, err := netmail.ParseAddress("<" + a.Addr + ">")
	if err != nil || p.Address != a.Addr || strings.ContainsFunc(a.Addr, unicode.IsControl) {
		return nil, fmt.Errorf("invalid %s address %q", field, a.Addr)
	}
	return &mail.Address{Name: oneLine(a.Name), Address: a.Addr}, nil
}

// mailboxes checks a list of addresses for a header field.
func mailboxes(field string, as []core.Address) ([]*mail.Address, error) {
	var out []*mail.Address
	for _, a := range as {
		m, err := mailbox(field, a)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Recipient is the envelope recipient of a notice: its own copy's
// recipient (a participant's, docs/rules.md §6), or else To.
func Recipient(n core.EmailNotice) string {
	if n.Rcpt != "" {
		return n.Rcpt
	}
	return n.To.Addr
}

// ReturnPath is the envelope sender (MAIL FROM) of a notice: its own
// signed bounce address, which core wrote into it (docs/rules.md §6), or
// the From address for a notice without one. The receiving MTA records
// it as Return-Path; the message itself never carries that field. A
// malformed return path is a permanent error.
func ReturnPath(n core.EmailNotice, from core.Address) (string, error) {
	if n.ReturnPath == "" {
		return from.Addr, nil
	}
	if _, err := mailbox("return path", core.Address{Addr: n.ReturnPath}); err != nil {
		// The address carries a bounce token: keep it out of the error.
		return "", permanent(fmt.Errorf("build email %q: invalid return path", n.MessageID))
	}
	return n.ReturnPath, nil
}

// oneLine replaces control characters (CR and LF above all) with spaces
// and trims the result: a header value must stay one field.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// validMsgID reports whether id (without angle brackets) can be written
// as <id>: printable ASCII, no blanks or brackets, one @ with text on both
// sides.
func validMsgID(id string) bool {
	if len(id) == 0 || len(id) > 250 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	at := strings.LastIndexByte(id, '@')
	return at > 0 && at < len(id)-1
}

func validMsgIDs(ids []string) []string {
	var ok []string
	for _, id := range ids {
		if validMsgID(id) {
			ok = append(ok, id)
		}
	}
	return ok
}
