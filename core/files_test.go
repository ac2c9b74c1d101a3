package core_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

func TestCheckFile(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	pdf := []byte("%PDF-1.7\n")
	for _, c := range []struct {
		name, declared string
		head           []byte
		refused        string // a word of the reason; "" when it passes
	}{
		{"shot.png", "image/png", png, ""},
		{"report.pdf", "application/pdf", pdf, ""},
		{"notes.txt", "text/plain", []byte("hello"), ""},
		{"book.docx", "", []byte("PK\x03\x04rest"), ""},
		{"data.bin", "", pdf, ""},
		{"setup.exe", "application/octet-stream", []byte("MZ\x90\x00"), "executable"},
		{"run.PS1", "", []byte("Write-Host"), "executable"},
		{"invoice.pdf.js", "", []byte("var x"), "executable"},
		{"photo.jpg", "image/jpeg", []byte("MZ\x90\x00"), "program"},
		{"tool", "", []byte("\x7fELF\x02"), "program"},
		{"shot.png", "image/png", pdf, "says it is image/png"},
		{"report.pdf", "", []byte("<html><script>"), "says it is application/pdf"},
		{"picture", "image/gif", png, "says it is image/gif"},
	} {
		got := core.CheckFile(c.name, c.declared, c.head)
		if (got == "") != (c.refused == "") || !strings.Contains(got, c.refused) {
			t.Errorf("CheckFile(%q, %q) = %q; want a reason with %q", c.name, c.declared, got, c.refused)
		}
	}
}

// TestHeldAnswerKeepsItsFiles: an answer with a file, held for the
// customer's confirmation (docs/rules.md §5), is mailed with the file
// attached when the customer confirms.
func TestHeldAnswerKeepsItsFiles(t *testing.T) {
	f := mustRulesFixture(t)
	ctx := context.Background()
	n := f.openWith(t, 50)
	mustAct(t, f, n, agent, "category", "2")
	if err := f.db.SetSlackThread(ctx, n, "C0SUPPORT", "1700000000.000100"); err != nil {
		t.Fatal(err)
	}
	png := []byte("\x89PNG\r\n\x1a\nrest of the image")
	out, err := f.svc.SlackReply(ctx, core.SlackMessage{Channel: "C0SUPPORT", ThreadTS: "1700000000.000100",
		TS: "1700000000.000200", Actor: agent, Text: "The fixed logo.",
		Files: []core.SlackFile{{Name: "logo.png", Size: len(png), Send: core.FileAttach, Data: png, ContentType: "image/png"}}})
	if err != nil || out.Refused != "" {
		t.Fatalf("SlackReply = %+v, %v", out, err)
	}
	if got := f.emails(t, n, core.TemplateReply); len(got) != 0 {
		t.Fatalf("the answer was mailed before the confirmation: %+v", got)
	}
	f.confirm(t, n, ann)
	got := f.emails(t, n, core.TemplateReply)
	if len(got) != 1 || len(got[0].Data.Files) != 1 || got[0].Data.Files[0].Name != "logo.png" {
		t.Fatalf("released answers %+v; want one with logo.png attached", got)
	}
	sf, err := f.db.File(ctx, got[0].Data.Files[0].ID)
	if err != nil || !bytes.Equal(sf.Data, png) {
		t.Fatalf("the kept file = %+v, %v", sf, err)
	}
	if !strings.Contains(got[0].Data.Text, "logo.png (") || !strings.Contains(got[0].Data.Text, "attached") {
		t.Errorf("the answer does not name the file:\n%s", got[0].Data.Text)
	}
}

// TestUploads_CappedPerMessage: a customer's attachments are uploaded
// into the thread up to UploadsPerMessage a mail, and the thread names
// how many more the stored mail keeps; every attachment still reaches
// the stored message.
func TestUploads_CappedPerMessage(t *testing.T) {
	for _, c := range []struct {
		attachments, uploads int
		notice               string // "" for none
	}{
		{0, 0, ""},
		{3, 3, ""},
		{core.UploadsPerMessage, core.UploadsPerMessage, ""},
		{core.UploadsPerMessage + 1, core.UploadsPerMessage, "1 more attachment of this mail not uploaded here"},
		{999, core.UploadsPerMessage, "979 more attachments of this mail not uploaded here: at most 20"},
	} {
		f := mustFixture(t)
		e := mail("ann@shop.example", "support@support.example.com", "Logs", "The logs.")
		for i := range c.attachments {
			e.Attachments = append(e.Attachments, core.Attachment{Filename: fmt.Sprintf("shop-%03d.log", i), ContentType: "text/plain", Size: 10})
		}
		rc := f.mustReceive(t, e)
		rows := f.outbox(t, rc.Ticket)
		ups := decode[core.SlackUpload](t, rows[core.OutboxSlackFile])
		if len(ups) != c.uploads {
			t.Errorf("%d attachments: %d uploads, want %d", c.attachments, len(ups), c.uploads)
		}
		for i, up := range ups {
			if up.Index != i || up.File.Filename != fmt.Sprintf("shop-%03d.log", i) {
				t.Errorf("%d attachments: upload %d is %+v, want the mail's attachment %d", c.attachments, i, up, i)
			}
		}
		notices := decode[core.SlackNotice](t, rows[core.OutboxSlackNotice])
		switch {
		case c.notice == "" && len(notices) != 0:
			t.Errorf("%d attachments: notices %+v, want none", c.attachments, notices)
		case c.notice != "" && (len(notices) != 1 || !notices[0].InThread || !strings.Contains(notices[0].Text, c.notice)):
			t.Errorf("%d attachments: notices %+v, want one in the thread with %q", c.attachments, notices, c.notice)
		case c.notice != "" && rows[core.OutboxSlackNotice][0].ID < rows[core.OutboxSlackFile][len(ups)-1].ID:
			t.Errorf("%d attachments: the notice comes before the uploads", c.attachments)
		}
		msgs, err := f.db.Messages(context.Background(), rc.Ticket)
		if err != nil || len(msgs) != 1 || len(msgs[0].Attachments) != c.attachments {
			t.Errorf("%d attachments: stored messages %d (%v), want one with every attachment", c.attachments, len(msgs), err)
		}
	}
}
