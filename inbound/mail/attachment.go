package mail

import (
	"fmt"
	"path"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"helpdesk/core"
)

// attachments lists the files of the mail (attachmentList), adds the
// uuencoded files found in the text, and warns about every attachment
// over a limit of opts; such attachments stay listed with their size.
func (p *parsed) attachments(c content, opts ParseOptions) []core.Attachment {
	list := attachmentList(c.files...)
	if c.root != nil {
		list = append(list, uuencodedFiles(c.root)...)
	}
	total := 0
	for _, a := range list {
		total += a.Size
		switch {
		case a.Size > opts.MaxAttachmentBytes:
			p.warn(fmt.Sprintf("attachment %q is %d bytes, over the limit of %d per attachment", a.Filename, a.Size, opts.MaxAttachmentBytes))
		case total > opts.MaxTotalBytes:
			p.warn(fmt.Sprintf("attachment %q brings the mail to %d bytes of attachments, over the limit of %d per mail", a.Filename, total, opts.MaxTotalBytes))
		}
	}
	return list
}

// attachmentList describes the file parts of a mail: enmime's
// attachments, inline parts and other non-body parts (images of a
// multipart/related, the parts of a delivery report, attached messages),
// each once. The text and HTML bodies are not files and are left out.
// Parts sent with a uuencode transfer encoding, which enmime leaves
// encoded, are decoded to give their real size.
func attachmentList(groups ...[]*enmime.Part) []core.Attachment {
	var list []core.Attachment
	for _, p := range fileParts(groups...) {
		a, _ := partFile(p, 0)
		list = append(list, a)
	}
	return list
}

// partFile describes one file part and returns its decoded bytes when
// they are at most limit bytes (nil otherwise, and for an elided part).
func partFile(p *enmime.Part, limit int) (core.Attachment, []byte) {
	ctype := p.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	data := p.Content
	if n, ok := elidedSize(p.Content); ok {
		return core.Attachment{Filename: fileName(p, ctype), ContentType: toUTF8(ctype), Size: n}, nil
	}
	if isUUEncoding(p.Header.Get("Content-Transfer-Encoding")) {
		if d, _, ok := uudecode(string(p.Content)); ok {
			data = d
		}
	}
	a := core.Attachment{Filename: fileName(p, ctype), ContentType: toUTF8(ctype), Size: len(data)}
	if len(data) > limit {
		data = nil
	}
	return a, data
}

// fileParts are the parts attachmentList describes, in its order.
func fileParts(groups ...[]*enmime.Part) []*enmime.Part {
	var out []*enmime.Part
	seen := map[*enmime.Part]bool{}
	for _, parts := range groups {
		for _, p := range parts {
			if p == nil || seen[p] || isBody(p) || strings.HasPrefix(p.ContentType, "multipart/") {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// isBody reports whether p is a message body rather than a file: plain
// text or HTML without a file name that is not marked as an attachment.
func isBody(p *enmime.Part) bool {
	switch p.ContentType {
	case "", "text/plain", "text/html":
		return p.FileName == "" && p.Disposition != "attachment"
	}
	return false
}

// fileName returns the part's file name without any directory a client
// put in front of it, or, for parts that have none, a name made from the
// part's position and type so that every attachment can be listed.
func fileName(p *enmime.Part, ctype string) string {
	name := cleanLine(toUTF8(p.FileName))
	if n := rfc2231Name(p.Header.Get("Content-Disposition"), p.Header.Get("Content-Type")); n != "" {
		name = cleanLine(n)
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name != "" && name != "." && name != "/" && name != ".." {
		return name
	}
	return "part-" + p.PartID + extensionOf(ctype)
}

// extensionOf gives a file extension for the types that commonly come
// without a name. It is a fixed table so that names do not depend on the
// host's MIME database.
func extensionOf(ctype string) string {
	switch ctype {
	case "text/plain", "message/delivery-status", "message/disposition-notification",
		"message/feedback-report", "text/rfc822-headers":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "message/rfc822", "message/global":
		return ".eml"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	}
	return ".bin"
}
