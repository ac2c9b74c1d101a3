package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

// mailWithFiles is a multipart mail with one attachment per name, each
// of its content.
func mailWithFiles(files map[string][]byte, order ...string) []byte {
	var b strings.Builder
	b.WriteString("From: Ann <ann@example.com>\r\nTo: support@example.com\r\nSubject: files\r\n" +
		"Message-ID: <files@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n")
	for _, name := range order {
		fmt.Fprintf(&b, "--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=%q\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n", name)
		enc := base64.StdEncoding.EncodeToString(files[name])
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--B--\r\n")
	return []byte(b.String())
}

func TestFilesReadsAttachmentsBackInParseOrder(t *testing.T) {
	small := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 2000)...)
	large := bytes.Repeat([]byte("y"), 3<<20)
	raw := mailWithFiles(map[string][]byte{"a.pdf": small, "big.pdf": large, "c.pdf": small}, "a.pdf", "big.pdf", "c.pdf")
	e, err := Parse(raw, core.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := Files(raw, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(e.Attachments) {
		t.Fatalf("Files = %d files, Parse listed %d", len(files), len(e.Attachments))
	}
	for i, f := range files {
		if f.Attachment != e.Attachments[i] {
			t.Errorf("file %d = %+v, Parse listed %+v", i, f.Attachment, e.Attachments[i])
		}
	}
	if !bytes.Equal(files[0].Data, small) || !bytes.Equal(files[2].Data, small) {
		t.Errorf("the small files did not come back whole")
	}
	if files[1].Data != nil || files[1].Size != len(large) {
		t.Errorf("the file over the limit: %d bytes of data, size %d; want none, size %d", len(files[1].Data), files[1].Size, len(large))
	}
	// A limit above the large file returns it too.
	files, err = Files(raw, 4<<20)
	if err != nil || !bytes.Equal(files[1].Data, large) {
		t.Errorf("with a limit above it, the large file = %d bytes, err %v", len(files[1].Data), err)
	}
}

func TestFilesRefusesWhatIsNoMail(t *testing.T) {
	if _, err := Files([]byte("\x00\x01 not a mail"), 1<<20); err == nil {
		t.Error("Files of no mail gave no error")
	}
}
