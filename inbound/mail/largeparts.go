package mail

import (
	"bytes"
	"encoding/base64"
	"strconv"
)

// Large base64 bodies are elided before MIME decoding: only the size of
// an attachment is kept (core stores metadata), and decoding a 20 MB
// attachment would hold 15 MB for nothing while the mail is parsed. A
// run of base64 lines longer than elideThreshold is replaced by one line
// that encodes elidedMarker and the run's decoded size; attachmentList
// reads the size back. Text parts are never elided. Smaller parts, and
// so every ordinary mail, are decoded as they are, with enmime's repairs
// and warnings.
const elideThreshold = 1 << 20

// elidedMarker starts the stand-in content of an elided part; the NUL
// bytes keep it from ever being a real file's start by accident.
const elidedMarker = "\x00helpdesk-elided-size:"

// elideLargeParts returns msg with its long base64 runs replaced, or msg
// itself when it has none.
func elideLargeParts(msg []byte) []byte { return elideRuns(msg, elideThreshold) }

// elideRuns replaces the base64 runs longer than threshold bytes.
func elideRuns(msg []byte, threshold int) []byte {
	if len(msg) < threshold {
		return msg
	}
	var out []byte
	last := 0 // end of what was copied to out
	for i := 0; i < len(msg); {
		start, end, chars := base64Run(msg, i)
		if end-start > threshold && !textPartBefore(msg, start) {
			if out == nil {
				out = make([]byte, 0, len(msg)/8)
			}
			stand := base64.StdEncoding.EncodeToString([]byte(elidedMarker + strconv.Itoa(chars*6/8)))
			out = append(append(append(out, msg[last:start]...), stand...), '\n')
			last = end
		}
		if end > i {
			i = end
		} else {
			i = nextLine(msg, i)
		}
	}
	if out == nil {
		return msg
	}
	return append(out, msg[last:]...)
}

// base64Run returns the run of base64 lines that starts at the line at i
// (start, end as byte offsets, end after the last line's newline) and the
// number of base64 data characters in it. A line counts when it is at
// least 40 characters of the base64 alphabet.
func base64Run(msg []byte, i int) (start, end, chars int) {
	start, end = i, i
	for end < len(msg) {
		next := nextLine(msg, end)
		line := bytes.TrimRight(msg[end:next], "\r\n")
		n := 0
		for _, c := range line {
			switch {
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
				n++
			case c == '=':
			default:
				return start, end, chars
			}
		}
		if len(line) < 40 {
			// A short last line ends the run and belongs to it.
			if n > 0 && end > start {
				chars += n
				end = next
			}
			return start, end, chars
		}
		chars += n
		end = next
	}
	return start, end, chars
}

// textPartBefore reports whether the part header right before offset i
// declares a text type: text bodies are never elided, however long.
func textPartBefore(msg []byte, i int) bool {
	head := bytes.ToLower(msg[max(0, i-4096):i])
	j := bytes.LastIndex(head, []byte("content-type:"))
	if j < 0 {
		return false
	}
	return bytes.HasPrefix(bytes.TrimLeft(head[j+len("content-type:"):], " \t"), []byte("text/"))
}

func nextLine(msg []byte, i int) int {
	if j := bytes.IndexByte(msg[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(msg)
}

// elidedSize returns the size an elided part stands for.
func elidedSize(content []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(content, []byte(elidedMarker))
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(rest))
	return n, err == nil
}
