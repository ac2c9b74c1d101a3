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

	"helpdesk/core/token"
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
	// HoldFiles records that files wait with the held answer held;
	// HeldFiles returns them when it goes (§5).
	HoldFiles(ctx context.Context, held int64, files []MailFile) error
	HeldFiles(ctx context.Context, held int64) ([]MailFile, error)
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
	if why := CheckFileName(name); why != "" {
		return why
	}
	ext := strings.ToLower(path.Ext(name))
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

// CheckFileName is CheckFile by the name alone: "" unless the name is
// an executable's, which needs no look at the content to refuse.
func CheckFileName(name string) string {
	if ext := strings.ToLower(path.Ext(name)); slices.Contains(executableExts, ext) {
		return fmt.Sprintf("%s is an executable file (%s), which is never sent", name, ext)
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

// mailFilesKey carries the files of the answer being written from
// SlackReply to staffMessage, through the action table that knows only
// arguments.
type mailFilesKey struct{}

func withMailFiles(ctx context.Context, files []MailFile) context.Context {
	if len(files) == 0 {
		return ctx
	}
	return context.WithValue(ctx, mailFilesKey{}, files)
}

func mailFilesOf(ctx context.Context) []MailFile {
	f, _ := ctx.Value(mailFilesKey{}).([]MailFile)
	return f
}

// keepFiles stores the files of an agent's answer that the mail carries
// (docs/rules.md §7) and returns the text naming them, and a context
// carrying the ones to attach. A note's files stay in Slack, named.
func (s *Service) keepFiles(ctx context.Context, tx Tx, t *Ticket, text string, files []SlackFile, note bool, now time.Time) (context.Context, string, error) {
	var attach []MailFile
	for i, f := range files {
		if note || (f.Send != FileAttach && f.Send != FileLink) {
			continue
		}
		sf := &StoredFile{Ticket: t.Number, Name: f.Name, ContentType: f.ContentType, Data: f.Data, CreatedAt: now}
		if err := tx.AddFile(ctx, sf); err != nil {
			return ctx, "", err
		}
		if f.Send == FileAttach {
			attach = append(attach, MailFile{ID: sf.ID, Name: f.Name, ContentType: f.ContentType, Size: len(f.Data)})
			continue
		}
		files[i].URL = s.publicURL + "/files/" + token.SignFile(s.secret, sf.ID, now.Add(FileLinkTTL))
	}
	return withMailFiles(ctx, attach), withFiles(text, files), nil
}

// filesNotSent tells the thread which of an answer's files did not go.
func (s *Service) filesNotSent(ctx context.Context, tx Tx, t *Ticket, files []SlackFile, now time.Time) error {
	for _, f := range files {
		if f.NotSent == "" {
			continue
		}
		n := SlackNotice{Department: t.Department, Number: t.Number, InThread: true,
			Text: fmt.Sprintf("File %s was not sent to the customer: %s.", f.Name, f.NotSent)}
		if err := enqueue(ctx, tx, OutboxSlackNotice, t.Number, n, now); err != nil {
			return err
		}
	}
	return nil
}
