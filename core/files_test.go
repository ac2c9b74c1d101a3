package core

import (
	"strings"
	"testing"
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
		got := CheckFile(c.name, c.declared, c.head)
		if (got == "") != (c.refused == "") || !strings.Contains(got, c.refused) {
			t.Errorf("CheckFile(%q, %q) = %q; want a reason with %q", c.name, c.declared, got, c.refused)
		}
	}
}
