package mail

import (
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
		text := string(p.Content)
		if !strings.Contains(text, "begin ") {
			continue // the pattern costs a scan of the whole text
		}
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
// decoding stops at "end", at a zero-length line, or at the first line
// that is not uuencode. name is the file name of the begin line.
func uudecode(s string) (data []byte, name string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i < len(lines) && strings.HasPrefix(lines[i], "begin ") {
		if f := strings.SplitN(lines[i], " ", 3); len(f) == 3 {
			name = strings.TrimSpace(f[2])
		}
		i++
	}
	for ; i < len(lines); i++ {
		l := lines[i]
		if l == "end" || l == "" {
			break
		}
		n := int(l[0]-' ') & 63
		if n == 0 {
			break
		}
		var out []byte
		for j := 1; j+3 < len(l)+3 && len(out) < n; j += 4 {
			var c [4]byte
			for k := 0; k < 4; k++ {
				if j+k < len(l) {
					c[k] = (l[j+k] - ' ') & 63
				}
			}
			out = append(out, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
		}
		if len(out) < n {
			return nil, "", false
		}
		data = append(data, out[:n]...)
		ok = true
	}
	return data, name, ok
}
