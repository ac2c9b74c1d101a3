package mail

import (
	"strings"
	"testing"
)

func TestParse_Body(t *testing.T) {
	cases := []struct {
		name    string
		raw     []byte
		want    string // contained in Text
		warning string // contained in a warning, if set
	}{
		{
			name: "quoted-printable latin-1",
			raw: msg("Se=F1or t=E9cnico, the printer is=\n broken.",
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=iso-8859-1",
				"Content-Transfer-Encoding: quoted-printable"),
			want: "Señor técnico, the printer is broken.",
		},
		{
			name: "base64 utf-8",
			raw: msg(b64("שלום! מה שלומך היום?"),
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=utf-8",
				"Content-Transfer-Encoding: base64"),
			want: "שלום! מה שלומך היום?",
		},
		{
			name: "multipart/alternative takes the text part",
			raw: msg(`--b1
Content-Type: text/plain; charset=utf-8

Plain words.
--b1
Content-Type: text/html; charset=utf-8

<p>HTML words.</p>
--b1--
`, "From: a@example.com", "Subject: s", "MIME-Version: 1.0",
				"Content-Type: multipart/alternative; boundary=b1"),
			want: "Plain words.",
		},
		{
			name: "html only keeps link URLs",
			raw: msg(`<html><body><p>Please read <a href="https://example.com/docs/setup">the setup guide</a>.</p></body></html>`,
				"From: a@example.com", "Subject: s",
				"Content-Type: text/html; charset=utf-8"),
			want: "https://example.com/docs/setup",
		},
		{
			name: "windows-1251 html in alternative without text part",
			raw: msg("--b1\nContent-Type: text/html; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n"+
				b64(encodeIn("windows-1251", "<p>Принтер не печатает</p>"))+"\n--b1--\n",
				"From: a@example.com", "Subject: s",
				"Content-Type: multipart/alternative; boundary=b1"),
			want: "Принтер не печатает",
		},
		{
			name: "iso-2022-jp",
			raw: msg(encodeIn("iso-2022-jp", "プリンターが壊れました。"),
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=ISO-2022-JP",
				"Content-Transfer-Encoding: 7bit"),
			want: "プリンターが壊れました。",
		},
		{
			name: "gb2312 base64",
			raw: msg(b64(encodeIn("gb2312", "打印机坏了，请帮忙。")),
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=gb2312",
				"Content-Transfer-Encoding: base64"),
			want: "打印机坏了，请帮忙。",
		},
		{
			name: "gbk 8bit",
			raw: msg(encodeIn("gbk", "您好，发票在哪里？"),
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=GBK",
				"Content-Transfer-Encoding: 8bit"),
			want: "您好，发票在哪里？",
		},
		{
			name: "koi8-r 8bit",
			raw: msg(encodeIn("koi8-r", "Добрый день, счёт не пришёл."),
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=koi8-r",
				"Content-Transfer-Encoding: 8bit"),
			want: "Добрый день, счёт не пришёл.",
		},
		{
			name: "unknown charset keeps content",
			raw: msg("Caf\xe9 au lait, please.",
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=x-no-such-charset"),
			want:    "Café au lait, please.",
			warning: "Character Set Conversion",
		},
		{
			name: "missing closing boundary",
			raw: msg(`--b1
Content-Type: text/plain

The text survives.
--b1
Content-Type: application/octet-stream; name="a.bin"
Content-Transfer-Encoding: base64

aGVsbG8gd29ybGQ=
`, "From: a@example.com", "Subject: s",
				"Content-Type: multipart/mixed; boundary=b1"),
			want:    "The text survives.",
			warning: "Missing Boundary",
		},
		{
			name: "bad base64 text",
			raw: msg("VGhl#IHByaW50ZXIg!aXMgYnJva2VuLg==",
				"From: a@example.com", "Subject: s",
				"Content-Type: text/plain; charset=utf-8",
				"Content-Transfer-Encoding: base64"),
			want:    "The printer is broken.",
			warning: "Malformed Base64",
		},
		{
			name: "lf line ends and trailing whitespace",
			raw:  []byte("From: a@example.com\nSubject: s\n\n\n\nline one   \nline two\t\n\n\n"),
			want: "line one\nline two",
		},
		{
			name: "multipart without boundary parameter",
			raw: msg("Just text.",
				"From: a@example.com", "Subject: s",
				"Content-Type: multipart/mixed"),
			want: "Just text.",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, c.raw)
			if !strings.Contains(e.Text, c.want) {
				t.Fatalf("got %q, want it to contain %q", e.Text, c.want)
			}
			if strings.Contains(e.Text, "\r") || e.Text != strings.TrimSpace(e.Text) {
				t.Fatalf("got %q, want LF line ends and no surrounding whitespace", e.Text)
			}
			if c.warning != "" && !hasWarning(e, c.warning) {
				t.Fatalf("got warnings %q, want one containing %q", e.Warnings, c.warning)
			}
		})
	}
}

func TestParse_Attachments(t *testing.T) {
	raw := msg(`--mixed
Content-Type: multipart/related; boundary=rel

--rel
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline

See the attached invoice.
--alt
Content-Type: text/html; charset=utf-8

<p>See the attached invoice.<img src="cid:logo@x"></p>
--alt--
--rel
Content-Type: image/png
Content-ID: <logo@x>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--mixed
Content-Type: application/pdf; name="invoice.pdf"
Content-Disposition: attachment; filename="C:\Users\jane\invoice.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--mixed
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename="=?utf-8?Q?notes_=C3=A9t=C3=A9.txt?="

summer notes
--mixed
Content-Type: message/rfc822

Subject: forwarded
From: x@example.com

inner
--mixed
Content-Type: application/octet-stream; name="broken.bin"
Content-Transfer-Encoding: base64

aGVsbG8g#d29ybGQ=
--mixed--
`, "From: a@example.com", "Subject: invoice",
		"Content-Type: multipart/mixed; boundary=mixed")
	e := mustParse(t, raw)
	want := map[string]struct {
		ctype string
		size  int
	}{
		"logo.png":      {"image/png", 8},
		"invoice.pdf":   {"application/pdf", 9},
		"notes été.txt": {"text/plain", len("summer notes")},
		"part-4.eml":    {"message/rfc822", len("Subject: forwarded\r\nFrom: x@example.com\r\n\r\ninner")},
		"broken.bin":    {"application/octet-stream", len("hello world")},
	}
	if len(e.Attachments) != len(want) {
		t.Fatalf("got %d attachments %+v, want %d", len(e.Attachments), e.Attachments, len(want))
	}
	for _, a := range e.Attachments {
		w, ok := want[a.Filename]
		if !ok {
			t.Fatalf("got unexpected attachment %+v", a)
		}
		if a.ContentType != w.ctype || a.Size != w.size {
			t.Fatalf("%s: got %s, %d bytes, want %s, %d bytes", a.Filename, a.ContentType, a.Size, w.ctype, w.size)
		}
	}
	if e.Text != "See the attached invoice." {
		t.Fatalf("got %q, want %q", e.Text, "See the attached invoice.")
	}
}
