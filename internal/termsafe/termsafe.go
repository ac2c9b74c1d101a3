// Package termsafe makes text from customers safe to print on a
// terminal. A subject such as "\x1b]0;pwned\x07" sets the terminal's
// title, "\x1b[2J" clears the screen, and others rewrite what earlier
// lines said or, on some terminals, answer back as if typed; printed
// through this package each is one visible U+FFFD instead.
//
// What is replaced, each by one U+FFFD:
//   - C0 controls other than newline and tab, and DEL;
//   - C1 controls (U+0080–U+009F), which some terminals obey too;
//   - escape sequences as a whole: CSI (ESC [ or U+009B, up to its final
//     byte); OSC, DCS, SOS, PM and APC strings up to their terminator
//     (BEL or ST), but never past the end of the line, so that an
//     unterminated one cannot swallow the rest of the output; any other
//     ESC with the characters that complete it;
//   - bytes that are not UTF-8.
//
// A carriage return right before a newline is dropped, so CRLF text
// prints as lines; a lone one is replaced (it would let a line overwrite
// itself). The work is linear in the input and the state is a few bytes.
package termsafe

import (
	"io"
	"unicode/utf8"
)

// replacement marks what was removed.
const replacement = '\uFFFD'

type state uint8

const (
	normal state = iota
	escape       // after ESC
	csi          // in a control sequence's parameters
	str          // in an OSC, DCS, SOS, PM or APC string
	strEsc       // after ESC in such a string: ST if "\" follows
	crSeen       // after a CR, which is dropped before a newline
)

// filter is the state machine of String and Writer.
type filter struct{ st state }

// push runs r through the filter, appending what is printed to out.
func (f *filter) push(out []byte, r rune) []byte {
	for {
		switch f.st {
		case crSeen:
			f.st = normal
			if r != '\n' {
				out = utf8.AppendRune(out, replacement)
			}
			continue // r itself as in normal
		case escape:
			switch {
			case r == '[':
				f.st = csi
			case r == ']' || r == 'P' || r == 'X' || r == '^' || r == '_':
				f.st = str
			case r >= 0x20 && r <= 0x2f: // intermediate bytes: ESC ( B and the like
			case r >= 0x30 && r <= 0x7e: // the final byte
				f.st = normal
			default: // not a sequence after all: r stands on its own
				f.st = normal
				continue
			}
			return out
		case csi:
			switch {
			case r >= 0x20 && r <= 0x3f: // parameters and intermediates
			case r >= 0x40 && r <= 0x7e:
				f.st = normal
			default:
				f.st = normal
				continue
			}
			return out
		case str:
			switch r {
			case 0x07, 0x9c:
				f.st = normal
			case 0x1b:
				f.st = strEsc
			case '\n':
				f.st = normal
				continue
			}
			return out
		case strEsc:
			if r == '\\' {
				f.st = normal
				return out
			}
			f.st = escape // ESC then something else: a new sequence
			continue
		}
		return f.normal(out, r)
	}
}

// normal handles r outside any sequence.
func (f *filter) normal(out []byte, r rune) []byte {
	switch {
	case r == '\n' || r == '\t':
		return append(out, byte(r))
	case r == '\r':
		f.st = crSeen
		return out
	case r == 0x1b:
		f.st = escape
	case r == 0x9b:
		f.st = csi
	case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f:
		f.st = str
	case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError:
	default:
		return utf8.AppendRune(out, r)
	}
	return utf8.AppendRune(out, replacement)
}

// end finishes the input: a CR still waiting is replaced.
func (f *filter) end(out []byte) []byte {
	if f.st == crSeen {
		out = utf8.AppendRune(out, replacement)
	}
	f.st = normal
	return out
}

// String returns s with every terminal control replaced. A string
// without any is returned as it is.
func String(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			break
		}
		i++
	}
	if i == len(s) {
		return s
	}
	var f filter
	out := append(make([]byte, 0, len(s)), s[:i]...)
	for _, r := range s[i:] { // a byte that is not UTF-8 comes as RuneError
		out = f.push(out, r)
	}
	return string(f.end(out))
}

// Writer writes to W what is written to it with every terminal control
// replaced. A sequence may be split over Writes; Flush ends the text.
type Writer struct {
	W io.Writer

	f       filter
	partial []byte // the start of a UTF-8 sequence cut by the end of a Write
	buf     []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{W: w} }

// Write filters p and writes the result to W. It reports all of p
// written unless W failed.
func (w *Writer) Write(p []byte) (int, error) {
	out, in := w.buf[:0], p
	for len(w.partial) > 0 {
		// The sequence cut by the last Write, with what follows it now.
		n := len(w.partial)
		head := append(w.partial[:n:n], in[:min(len(in), utf8.UTFMax)]...)
		if !utf8.FullRune(head) { // still cut: all of in is in head
			w.partial = head
			return len(p), nil
		}
		r, size := utf8.DecodeRune(head)
		out = w.f.push(out, r)
		if size >= n {
			in, w.partial = in[size-n:], w.partial[:0]
		} else {
			w.partial = w.partial[size:]
		}
	}
	for len(in) > 0 {
		if !utf8.FullRune(in) {
			w.partial = append(w.partial, in...)
			break
		}
		r, size := utf8.DecodeRune(in)
		out = w.f.push(out, r)
		in = in[size:]
	}
	w.buf = out
	if len(out) > 0 {
		if _, err := w.W.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush ends the text: a cut UTF-8 sequence or a CR still waiting is
// written as U+FFFD.
func (w *Writer) Flush() error {
	out := w.buf[:0]
	for range w.partial { // each byte of a cut sequence is one that is not UTF-8
		out = w.f.push(out, utf8.RuneError)
	}
	w.partial = w.partial[:0]
	out = w.f.end(out)
	w.buf = out
	if len(out) == 0 {
		return nil
	}
	_, err := w.W.Write(out)
	return err
}

// Raw returns the writer beneath w when w is a *Writer, flushed first,
// for output that must stay exact (JSON, a raw message); any other w as
// it is.
func Raw(w io.Writer) io.Writer {
	if tw, ok := w.(*Writer); ok {
		tw.Flush()
		return tw.W
	}
	return w
}
