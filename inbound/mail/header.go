package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/textproto"
	"strings"
)

// messageStart returns the message proper inside raw: leading blank lines
// and an mbox "From " separator line are skipped, because mail exported
// from mailboxes and some fetchers carry them in front of the header. ok is
// false when what follows does not start with a header field, i.e. raw is
// not an RFC 5322 message. skipped says what was dropped, for a warning.
func messageStart(raw []byte) (msg []byte, skipped string, ok bool) {
	msg = raw
	var dropped []string
	for len(msg) > 0 {
		line, rest := firstLine(msg)
		if len(bytes.TrimSpace(line)) != 0 {
			break
		}
		msg = rest
		if len(dropped) == 0 {
			dropped = append(dropped, "leading blank lines")
		}
	}
	if line, rest := firstLine(msg); bytes.HasPrefix(line, []byte("From ")) {
		msg = rest
		dropped = append(dropped, "mbox From_ line")
	}
	line, _ := firstLine(msg)
	if !isHeaderField(line) {
		return nil, "", false
	}
	return msg, strings.Join(dropped, " and "), true
}

// firstLine splits b after its first LF; line excludes the line ending.
func firstLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:]
}

// isHeaderField reports whether line starts like "Name:" (RFC 5322 §2.2:
// printable ASCII other than colon). A space before the colon is
// tolerated, as enmime does.
func isHeaderField(line []byte) bool {
	name := 0
	for name < len(line) && line[name] > ' ' && line[name] < 127 && line[name] != ':' {
		name++
	}
	if name == 0 {
		return false
	}
	rest := bytes.TrimLeft(line[name:], " \t")
	return len(rest) > 0 && rest[0] == ':'
}

// bodyOf returns the bytes after the first empty line of msg (CRLF CRLF
// or LF LF, whichever comes first), or all of msg when it has none.
func bodyOf(msg []byte) []byte {
	end := -1
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		end = i + 4
	}
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 && (end < 0 || i+2 < end) {
		end = i + 2
	}
	if end < 0 {
		return msg
	}
	return msg[end:]
}

// bodyHash is the hex SHA-256 of the body of msg. Together with the
// Message-ID it identifies a mail received twice, whatever trace headers
// each delivery added.
func bodyHash(msg []byte) string {
	sum := sha256.Sum256(bodyOf(msg))
	return hex.EncodeToString(sum[:])
}

// headerValue returns the first raw (undecoded, unfolded) value of the
// named field, and whether the field is present at all.
func headerValue(h textproto.MIMEHeader, name string) (string, bool) {
	vs, ok := h[textproto.CanonicalMIMEHeaderKey(name)]
	if !ok || len(vs) == 0 {
		return "", ok
	}
	return vs[0], true
}
