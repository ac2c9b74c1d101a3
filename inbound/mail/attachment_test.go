package mail

import (
	"strings"
	"testing"

	"helpdesk/core"
)

func TestParseWith_Attachments(t *testing.T) {
	raw := msg("--b\nContent-Type: text/plain\n\nSee attached.\n"+
		"--b\nContent-Type: application/pdf\nContent-Disposition: attachment;\n filename*0*=iso-8859-1''Rechnung%20f%FC;\n filename*1=r.pdf\nContent-Transfer-Encoding: base64\n\n"+b64(strings.Repeat("x", 2000))+"\n"+
		"--b\nContent-Type: image/png\nContent-Disposition: inline\nContent-ID: <img1>\n\npng\n"+
		"--b\nContent-Type: message/rfc822\n\nFrom: x@example.com\nSubject: old\n\nold text\n"+
		"--b\nContent-Type: application/msword; name=notes.txt\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 notes.txt\n,2&5L;&\\@6F%M;6%D\n`\nend\n--b--\n",
		"From: a@example.com", "Subject: files", "Content-Type: multipart/mixed; boundary=b")
	e, err := ParseWith(raw, core.Envelope{}, ParseOptions{MaxAttachmentBytes: 1000, MaxTotalBytes: 1500})
	if err != nil {
		t.Fatalf("ParseWith: %v", err)
	}
	want := map[string]int{"Rechnung für.pdf": 2000, "notes.txt": len("Hello Zammad")}
	got := map[string]int{}
	for _, a := range e.Attachments {
		got[a.Filename] = a.Size
	}
	for name, size := range want {
		if got[name] != size {
			t.Fatalf("attachments=%+v, want %q of %d bytes", e.Attachments, name, size)
		}
	}
	if len(e.Attachments) != 4 {
		t.Fatalf("attachments=%+v, want 4 (pdf, inline png, message, uuencoded)", e.Attachments)
	}
	if !hasWarning(e, "over the limit of 1000 per attachment") {
		t.Fatalf("warnings=%q, want the over-limit attachment named", e.Warnings)
	}
}

func TestParse_Charsets(t *testing.T) {
	cases := []struct {
		name, charset, body, want string
	}{
		{"iso-2022-jp", "ISO-2022-JP", encodeIn("iso-2022-jp", "プリンターが動きません"), "プリンターが動きません"},
		{"gb18030", "GB18030", encodeIn("gb18030", "打印机坏了"), "打印机坏了"},
		{"gbk label", "GBK", encodeIn("gbk", "打印机坏了"), "打印机坏了"},
		{"big5", "Big5", encodeIn("big5", "印表機壞了"), "印表機壞了"},
		{"koi8-r", "KOI8-R", encodeIn("koi8-r", "Принтер сломан"), "Принтер сломан"},
		{"windows-1250", "windows-1250", encodeIn("windows-1250", "Tiskárna nefunguje"), "Tiskárna nefunguje"},
		{"big5 label on utf-8", "Big5", "您好！ 你今天好吗？", "您好！ 你今天好吗？"},
		{"unknown charset", "x-klingon", "caf\xe9", "café"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := mustParse(t, msg(c.body, "From: a@example.com", "Subject: s", "Content-Type: text/plain; charset="+c.charset))
			if e.Text != c.want {
				t.Fatalf("text=%q, want %q", e.Text, c.want)
			}
		})
	}
}
