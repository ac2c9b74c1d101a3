package mail

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"helpdesk/core"
)

// isUUEncoding reports whether a Content-Transfer-Encoding names
// uuencode, which old Mac and listserv mailers still send.
func isUUEncoding(cte string) bool {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "x-uuencode", "uuencode", "x-uue", "uue":
		return true
	}
	return false
}

// uuBegin matches the "begin <mode> <name>" line of a uuencoded file.
var uuBegin = regexp.MustCompile(`(?m)^begin [0-7]{3,4} ([^\r\n]+)\r?$`)

// uuencodedFiles lists the files uuencoded inside the text parts of a
// mail ("begin 644 name" … "end"), as attachments.
func uuencodedFiles(root *enmime.Part) []core.Attachment {
	var list []core.Attachment
	for _, p := range root.DepthMatchAll(func(p *enmime.Part) bool { return p.ContentType == "text/plain" || p.ContentType == "" }) {
		if isUUEncoding(p.Header.Get("Content-Transfer-Encoding")) {
			continue // listed by attachmentList
		}
		if !bytes.Contains(p.Content, []byte("begin ")) {
			continue // the pattern costs a scan of the whole text
		}
		text := string(p.Content)
		for _, m := range uuBegin.FindAllStringSubmatchIndex(text, 20) {
			data, name, ok := uudecode(text[m[0]:])
			if !ok {
				continue
			}
			list = append(list, core.Attachment{
				Filename:    cleanLine(toUTF8(name)),
				ContentType: "application/octet-stream",
				Size:        len(data),
			})
		}
	}
	return list
}

// uudecode decodes uuencoded data. A "begin" line is optional (parts
// with a uuencode transfer encoding sometimes carry the bare lines);
// decoding stops at "end", at a zero-length line, at the next "begin"
// line, or at the first line that is not uuencode. name is the file name
// of the begin line. Lines are read as they come, so decoding costs the
// encoded file, not the text after it.
func uudecode(s string) (data []byte, name string, ok bool) {
	next := func() (string, bool) {
		if s == "" {
			return "", false
		}
		l, rest, _ := strings.Cut(s, "\n")
		s = rest
		return strings.TrimSuffix(l, "\r"), true
	}
	l, more := next()
	for more && strings.TrimSpace(l) == "" {
		l, more = next()
	}
	if more && strings.HasPrefix(l, "begin ") {
		if f := strings.SplitN(l, " ", 3); len(f) == 3 {
			name = strings.TrimSpace(f[2])
		}
		l, more = next()
	}
	for ; more; l, more = next() {
		if l == "end" || l == "" || strings.HasPrefix(l, "begin ") {
			break
		}
		n := int(l[0]-' ') & 63
		if n == 0 {
			break
		}
		start := len(data)
		for j := 1; j+3 < len(l)+3 && len(data)-start < n; j += 4 {
			var c [4]byte
			for k := 0; k < 4; k++ {
				if j+k < len(l) {
					c[k] = (l[j+k] - ' ') & 63
				}
			}
			data = append(data, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
		}
		if len(data)-start < n {
			return nil, "", false
		}
		data = data[:start+n]
		ok = true
	}
	return data, name, ok
}
