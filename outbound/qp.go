package outbound

const (
	qpLineMaxLen = 76
	upperhex     = "0123456789ABCDEF"
)

// appendQP appends s to dst quoted-printable encoded, byte for byte as
// mime/quotedprintable's Writer (not in binary mode) writes and closes
// it: line breaks become CRLF, lines are cut at 76 characters with soft
// breaks, "=", control and 8-bit bytes are escaped, and so are blanks
// before a line break or the end. That Writer goes through two
// functions a byte and hands each line to an io.Writer; a notice's
// parts are encoded whole, straight into the mail.
func appendQP(dst []byte, s string) []byte {
	e := qpEncoder{dst: dst, start: len(dst)}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b == '\n' || b == '\r':
			// A CRLF is one line break. As in the Writer, an escaped
			// byte between the two does not part them.
			if e.cr && b == '\n' {
				e.cr = false
				continue
			}
			e.cr = b == '\r'
			e.lastBlank()
			e.dst = append(e.dst, '\r', '\n')
			e.start = len(e.dst)
		case plainQP[b]:
			// A run of plain bytes is copied a line's room at a time.
			j := i + 1
			for j < len(s) && plainQP[s[j]] {
				j++
			}
			for i < j {
				room := qpLineMaxLen - 1 - (len(e.dst) - e.start)
				if room == 0 {
					e.softBreak()
					continue
				}
				n := min(room, j-i)
				e.dst = append(e.dst, s[i:i+n]...)
				i += n
			}
			i--
			e.cr = false
		default:
			e.escape(b)
		}
	}
	e.lastBlank()
	return e.dst
}

// plainQP marks the bytes written as they are: printable ASCII but "=",
// and blanks.
var plainQP = func() (t [256]bool) {
	for b := '!'; b <= '~'; b++ {
		t[b] = b != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

type qpEncoder struct {
	dst   []byte
	start int  // where the current line starts in dst
	cr    bool // the last line break was a CR
}

func (e *qpEncoder) softBreak() {
	e.dst = append(e.dst, '=', '\r', '\n')
	e.start = len(e.dst)
}

// escape appends b as "=XX", after a soft line break when the line has
// no room for it.
func (e *qpEncoder) escape(b byte) {
	if qpLineMaxLen-1-(len(e.dst)-e.start) < 3 {
		e.softBreak()
	}
	e.dst = append(e.dst, '=', upperhex[b>>4], upperhex[b&0x0f])
}

// lastBlank escapes a blank that ends a line.
func (e *qpEncoder) lastBlank() {
	if len(e.dst) == e.start {
		return
	}
	if b := e.dst[len(e.dst)-1]; b == ' ' || b == '\t' {
		e.dst = e.dst[:len(e.dst)-1]
		e.escape(b)
	}
}
