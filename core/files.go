package core

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// Default limits of files (docs/operations.md, "Limits").
const (
	DefaultUploadMaxBytes = 10 << 20 // [slack] upload_max_bytes: a customer's file uploaded into Slack
	DefaultAttachMaxBytes = 10 << 20 // [mail] attach_max_bytes: an agent's file attached to a mail
	// MaxLinkedFileBytes bounds a file served by link: larger ones are
	// not fetched from Slack at all.
	MaxLinkedFileBytes = 100 << 20
	// FileLinkTTL is how long a file link works.
	FileLinkTTL = 7 * 24 * time.Hour
)

// StoredFile is a file an agent shared in a ticket's thread, kept for
// the customer's mail.
type StoredFile struct {
	ID          int64
	Ticket      int64
	Name        string
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// FilesTx keeps the files agents share (docs/rules.md §7).
type FilesTx interface {
	// AddFile stores f and sets its ID.
	AddFile(ctx context.Context, f *StoredFile) error
}

// MailFile is a kept file attached to a staff answer (Notice.Files).
type MailFile struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// executableExts are the extensions of files that run when opened: a
// mail client or a desk must never pass them on, whoever sent them.
var executableExts = []string{".exe", ".bat", ".cmd", ".com", ".scr", ".pif", ".msi", ".vbs", ".vbe",
	".js", ".jse", ".wsf", ".wsh", ".ps1", ".jar", ".hta", ".cpl", ".lnk", ".reg", ".dll", ".sh", ".app"}

// executableMagic are the starts of programs: a Windows PE (MZ), an ELF
// binary, a script with an interpreter line.
var executableMagic = [][]byte{[]byte("MZ"), []byte("\x7fELF"), []byte("#!")}

// CheckFile says why a file must not be passed on ("" when it may): an
// executable by its name or its content, or content that is not what
// its name or declared type says. head is the file's start (512 bytes
// are enough). The content check is one way: a file that says it is of
// a type http.DetectContentType recognises (an image, a PDF, an
// archive) must be that type; content of a recognised type under an
// unknown name passes, as an office document is a zip archive.
func CheckFile(name, declared string, head []byte) string {
	ext := strings.ToLower(path.Ext(name))
	if slices.Contains(executableExts, ext) {
		return fmt.Sprintf("%s is an executable file (%s), which is never sent", name, ext)
	}
	for _, m := range executableMagic {
		if bytes.HasPrefix(head, m) {
			return fmt.Sprintf("%s is a program by its content, which is never sent", name)
		}
	}
	sniffed := baseType(http.DetectContentType(head))
	for _, claim := range []string{baseType(declared), baseType(mime.TypeByExtension(ext))} {
		if sniffable(claim) && claim != sniffed {
			return fmt.Sprintf("%s says it is %s but its content is %s", name, claim, sniffed)
		}
	}
	return ""
}

// sniffable reports whether http.DetectContentType recognises content of
// type t, so that content it does not call t is not t.
func sniffable(t string) bool {
	switch t {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf",
		"application/zip", "application/x-gzip", "application/gzip", "application/x-rar-compressed",
		"application/vnd.rar", "application/x-7z-compressed", "application/ogg", "audio/mpeg", "video/webm":
		return true
	}
	return false
}

// baseType is a media type without its parameters, in lower case, with
// the aliases DetectContentType does not use folded into its names.
func baseType(t string) string {
	t, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(t)), ";")
	t = strings.TrimSpace(t)
	switch t {
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "application/gzip":
		return "application/x-gzip"
	case "application/vnd.rar":
		return "application/x-rar-compressed"
	}
	return t
}
