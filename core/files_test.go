package core_test

import (
	"bytes"
	"context"
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
