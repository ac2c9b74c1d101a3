package outbound

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"helpdesk/core"
)

var testFrom = core.Address{Name: "Example Support", Addr: "support@support.example.com"}

func testNotice() core.EmailNotice {
	return core.EmailNotice{
		Template:   core.TemplateAck,
		MessageID:  "t1042.ack.1@support.example.com",
		To:         core.Address{Name: "Ann Customer", Addr: "ann@customer.test"},
		ReplyTo:    "support+t1042.k3f9a2c1@support.example.com",
		Subject:    "[#1042] Checkout page is blank",
		InReplyTo:  "orig-1@customer.test",
		References: []string{"older@customer.test", "orig-1@customer.test"},
		Data: core.Notice{
			Number: 1042, Subject: "Checkout page is blank", Name: "Ann Customer",
			Text: "The page is blank <script>x</script>", Ref: "T1042-K3F9A2C1",
		},
	}
}

// parsed is a mail read back with go-message.
type parsed struct {
	h           mail.Header
	ctype       string
	text, html  string
	partHeaders []mail.InlineHeader
}

func MustParse(t *testing.T, raw []byte) parsed {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	p := parsed{h: mr.Header}
	p.ctype, _, _ = mr.Header.ContentType()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		ih, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("part is not inline: %T", part.Header)
		}
		p.partHeaders = append(p.partHeaders, *ih)
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatal(err)
		}
		switch ct, _, _ := ih.ContentType(); ct {
		case "text/plain":
			p.text = string(body)
		case "text/html":
			p.html = string(body)
		}
	}
	return p
}

func TestBuildEmail(t *testing.T) {
	date := time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC)
	raw, err := BuildEmail(testNotice(), testFrom, date)
	if err != nil {
		t.Fatalf("BuildEmail: %v", err)
	}
	p := MustParse(t, raw)

	if p.ctype != "multipart/alternative" {
		t.Errorf("Content-Type = %q, want multipart/alternative", p.ctype)
	}
	if id, err := p.h.MessageID(); err != nil || id != "t1042.ack.1@support.example.com" {
		t.Errorf("Message-ID = %q, %v", id, err)
	}
	if ids, err := p.h.MsgIDList("In-Reply-To"); err != nil || strings.Join(ids, " ") != "orig-1@customer.test" {
		t.Errorf("In-Reply-To = %v, %v", ids, err)
	}
	if ids, err := p.h.MsgIDList("References"); err != nil || strings.Join(ids, " ") != "older@customer.test orig-1@customer.test" {
		t.Errorf("References = %v, %v", ids, err)
	}
	if s, err := p.h.Subject(); err != nil || s != "[#1042] Checkout page is blank" {
		t.Errorf("Subject = %q, %v", s, err)
	}
	if got, err := p.h.Date(); err != nil || !got.Equal(date) {
		t.Errorf("Date = %v, %v; want %v", got, err, date)
	}
	checkAddr := func(field, name, addr string) {
		t.Helper()
		l, err := p.h.AddressList(field)
		if err != nil || len(l) != 1 || l[0].Name != name || l[0].Address != addr {
			t.Errorf("%s = %v, %v; want %q <%s>", field, l, err, name, addr)
		}
	}
	checkAddr("From", "Example Support", "support@support.example.com")
	checkAddr("To", "Ann Customer", "ann@customer.test")
	checkAddr("Reply-To", "", "support+t1042.k3f9a2c1@support.example.com")
	for k, want := range map[string]string{
		"Auto-Submitted":           "auto-replied",
		"X-Auto-Response-Suppress": "All",
		"MIME-Version":             "1.0",
	} {
		if got := p.h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	if len(p.partHeaders) != 2 {
		t.Fatalf("%d parts, want 2", len(p.partHeaders))
	}
	for _, ph := range p.partHeaders {
		if _, params, _ := ph.ContentType(); params["charset"] != "utf-8" {
			t.Errorf("part charset = %q, want utf-8", params["charset"])
		}
		if cte := ph.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("Content-Transfer-Encoding = %q", cte)
		}
	}
	if !strings.Contains(p.text, "ticket #1042") || !strings.Contains(p.text, "<script>x</script>") {
		t.Errorf("text part:\n%s", p.text)
	}
	if !strings.Contains(p.html, "&lt;script&gt;x&lt;/script&gt;") || strings.Contains(p.html, "<script") {
		t.Errorf("html part:\n%s", p.html)
	}
	if !bytes.Contains(raw, []byte("\r\n\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("message does not use CRLF line ends throughout")
	}
}

func TestBuildEmail_NonASCII(t *testing.T) {
	n := testNotice()
	n.To.Name = "Zoë Ångström"
	n.Subject = "[#1042] Drucker défekt – 打印机坏了"
	n.Data.Text = "Привет"
	raw, err := BuildEmail(n, core.Address{Name: "Support Müller", Addr: testFrom.Addr}, time.Now())
	if err != nil {
		t.Fatalf("BuildEmail: %v", err)
	}
	header := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
	for _, c := range header {
		if c > 0x7f {
			t.Fatalf("header has a raw non-ASCII character %q:\n%s", c, header)
		}
	}
	if !strings.Contains(header, "=?utf-8?") {
		t.Errorf("no RFC 2047 encoded word in the header:\n%s", header)
	}
	p := MustParse(t, raw)
	if s, _ := p.h.Subject(); s != n.Subject {
		t.Errorf("Subject = %q, want %q", s, n.Subject)
	}
	if l, _ := p.h.AddressList("To"); len(l) != 1 || l[0].Name != "Zoë Ångström" {
		t.Errorf("To = %v", l)
	}
	if l, _ := p.h.AddressList("From"); len(l) != 1 || l[0].Name != "Support Müller" {
		t.Errorf("From = %v", l)
	}
	if !strings.Contains(p.text, "Привет") || !strings.Contains(p.html, "Привет") {
		t.Errorf("body lost the Cyrillic text:\n%s\n%s", p.text, p.html)
	}
}

func TestBuildEmail_HeaderInjection(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(n *core.EmailNotice)
		wantErr bool
	}{
		{"Subject", func(n *core.EmailNotice) { n.Subject = "[#1042] hi\r\nBcc: victim@evil.test\r\n\r\nbody" }, false},
		{"SubjectLF", func(n *core.EmailNotice) { n.Subject = "[#1042] hi\nBcc: victim@evil.test" }, false},
		{"Name", func(n *core.EmailNotice) { n.To.Name = "Ann\r\nBcc: victim@evil.test" }, false},
		{"InReplyTo", func(n *core.EmailNotice) { n.InReplyTo = "x@y>\r\nBcc: victim@evil.test" }, false},
		{"References", func(n *core.EmailNotice) {
			n.References = []string{"ok@customer.test", "a@b>\r\nBcc: victim@evil.test"}
		}, false},
		{"ToAddr", func(n *core.EmailNotice) { n.To.Addr = "ann@customer.test\r\nBcc: victim@evil.test" }, true},
		{"ToAddrList", func(n *core.EmailNotice) { n.To.Addr = "ann@customer.test>, <victim@evil.test" }, true},
		{"ReplyTo", func(n *core.EmailNotice) { n.ReplyTo = "a@b\nBcc: victim@evil.test" }, true},
		{"MessageID", func(n *core.EmailNotice) { n.MessageID = "a@b>\r\nBcc: victim@evil.test" }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := testNotice()
			tc.edit(&n)
			raw, err := BuildEmail(n, testFrom, time.Now())
			if tc.wantErr {
				if err == nil || !IsPermanent(err) {
					t.Fatalf("err = %v, want a permanent error", err)
				}
				if strings.Contains(err.Error(), "t1042.k3f9a2c1") || strings.Contains(err.Error(), "\n") {
					t.Errorf("error leaks the reply token or a line break: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("BuildEmail: %v", err)
			}
			p := MustParse(t, raw)
			if got := p.h.Get("Bcc"); got != "" {
				t.Fatalf("injected Bcc: %q\n%s", got, raw)
			}
			if _, err := p.h.MsgIDList("References"); err != nil {
				t.Errorf("References unparsable: %v", err)
			}
			header := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))])
			for _, line := range strings.Split(header, "\r\n") {
				if strings.HasPrefix(strings.ToLower(line), "bcc:") {
					t.Fatalf("header line %q injected:\n%s", line, header)
				}
			}
			if p.text == "" || p.html == "" {
				t.Fatal("body lost")
			}
		})
	}
}

func TestBuildEmail_Errors(t *testing.T) {
	n := testNotice()
	n.Template = "nope"
	if _, err := BuildEmail(n, testFrom, time.Now()); err == nil || !IsPermanent(err) {
		t.Errorf("unknown template: err = %v, want permanent", err)
	}
	if _, err := BuildEmail(testNotice(), core.Address{Addr: "not an address"}, time.Now()); err == nil || !IsPermanent(err) {
		t.Errorf("bad From: err = %v, want permanent", err)
	}
}

func TestBuildEmail_Templates(t *testing.T) {
	tests := []struct {
		template  string
		edit      func(d *core.Notice)
		automatic bool
		text      string
	}{
		{template: core.TemplateAck, automatic: true, text: "opened ticket #1042"},
		{template: core.TemplateStatus, edit: func(d *core.Notice) { d.Status = "assigned" }, automatic: true, text: "An engineer has taken your ticket #1042"},
		{template: core.TemplateCommands, edit: func(d *core.Notice) { d.Results = []string{"Priority set to major."} }, automatic: true, text: "- Priority set to major."},
		{template: core.TemplateReply, edit: func(d *core.Notice) { d.Text, d.Agent = "Please clear the cache.", "Bob" }, text: "Please clear the cache.\n\nBob"},
	}
	for _, tc := range tests {
		t.Run(tc.template, func(t *testing.T) {
			n := testNotice()
			n.Template = tc.template
			if tc.edit != nil {
				tc.edit(&n.Data)
			}
			raw, err := BuildEmail(n, testFrom, time.Now())
			if err != nil {
				t.Fatalf("BuildEmail: %v", err)
			}
			p := MustParse(t, raw)
			if !strings.Contains(strings.ReplaceAll(p.text, "\r\n", "\n"), tc.text) {
				t.Errorf("text part lacks %q:\n%s", tc.text, p.text)
			}
			auto, suppress := p.h.Get("Auto-Submitted"), p.h.Get("X-Auto-Response-Suppress")
			if tc.automatic && (auto != "auto-replied" || suppress != "All") {
				t.Errorf("automatic notice: Auto-Submitted %q, X-Auto-Response-Suppress %q", auto, suppress)
			}
			if !tc.automatic && (p.h.Has("Auto-Submitted") || p.h.Has("X-Auto-Response-Suppress")) {
				t.Errorf("staff answer marked automatic: Auto-Submitted %q, X-Auto-Response-Suppress %q", auto, suppress)
			}
			if !tc.automatic && strings.Contains(p.text, "automatic message") {
				t.Errorf("staff answer says it is automatic:\n%s", p.text)
			}
		})
	}
}

// A participant's copy (docs/rules.md §6) shows the requester in To and
// the participants in Cc, like a list's mail, goes to the participant
// alone and carries their own Reply-To.
func TestBuildEmail_Participants(t *testing.T) {
	n := testNotice()
	n.Cc = []core.Address{{Name: "Bob", Addr: "bob@customer.test"}, {Addr: "carl@contractor.test"}}
	n.Rcpt = "carl@contractor.test"
	n.ReplyTo = "support+carl.token@support.example.com"
	raw, err := BuildEmail(n, testFrom, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p := MustParse(t, raw)
	to, _ := p.h.AddressList("To")
	cc, _ := p.h.AddressList("Cc")
	if len(to) != 1 || to[0].Address != "ann@customer.test" {
		t.Errorf("To=%v, want the requester", to)
	}
	if len(cc) != 2 || cc[0].Address != "bob@customer.test" || cc[1].Address != "carl@contractor.test" {
		t.Errorf("Cc=%v, want bob and carl", cc)
	}
	if rt := p.h.Get("Reply-To"); !strings.Contains(rt, "support+carl.token@") {
		t.Errorf("Reply-To=%q, want carl's", rt)
	}
	if got := Recipient(n); got != "carl@contractor.test" {
		t.Errorf("Recipient=%q, want carl", got)
	}
	n.Rcpt = ""
	if got := Recipient(n); got != "ann@customer.test" {
		t.Errorf("Recipient without Rcpt=%q, want To", got)
	}
	for _, bad := range []core.EmailNotice{
		func() core.EmailNotice { m := testNotice(); m.Cc = []core.Address{{Addr: "x@y\r\nBcc: z@w"}}; return m }(),
		func() core.EmailNotice { m := testNotice(); m.Rcpt = "a b@c"; return m }(),
	} {
		if _, err := BuildEmail(bad, testFrom, time.Now()); err == nil {
			t.Errorf("BuildEmail(Cc %v, Rcpt %q): no error", bad.Cc, bad.Rcpt)
		}
	}
}
