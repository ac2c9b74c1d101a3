package mail

import (
	"fmt"
	"strings"
)

// The shapes a hostile sender uses to make a parser slow or greedy. Each
// takes a size and builds a mail of about that many units, so that
// benchmarks and tests can compare n with 4n.

// nestedMail nests depth multiparts, each with its own boundary, around
// one line of text: about 75 bytes a level.
func nestedMail(depth int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nThe bottom.\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

// manyPartsMail is a multipart/mixed of n tiny text parts: about 45 bytes
// a part.
func manyPartsMail(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n")
	for range n {
		b.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// htmlMail is a text/html mail of about size bytes of ordinary markup.
func htmlMail(size int) []byte {
	const para = "<div><p>Lorem ipsum <b>dolor</b> sit amet, <a href=\"https://example.com/x\">consectetur</a> adipiscing elit.</p></div>\r\n"
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>\r\n")
	for b.Len() < size {
		b.WriteString(para)
	}
	b.WriteString("</body></html>\r\n")
	return []byte(b.String())
}

// longLineMail is a text/plain mail whose body is one line of size bytes.
func longLineMail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: line\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		strings.Repeat("word ", size/5) + "\r\n")
}

// manyHeadersMail has n header fields above a short body.
func manyHeadersMail(n int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: headers\r\n")
	for i := range n {
		fmt.Fprintf(&b, "X-Field-%d: value %d\r\n", i%50, i)
	}
	b.WriteString("\r\nHello.\r\n")
	return []byte(b.String())
}

// shortLinesMail is a text/plain mail of about size bytes of one-letter
// lines.
func shortLinesMail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: lines\r\n\r\n" + strings.Repeat("a\r\n", size/3))
}

// quoteLinesMail is a reply above about size bytes of quoted lines.
func quoteLinesMail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: quote\r\n\r\nYes.\r\nOn Mon, 1 Dec 2014, X <x@example.com> wrote:\r\n" +
		strings.Repeat("> quoted words of the history\r\n", size/31))
}

// deepHTMLMail nests size/5 divs around one word.
func deepHTMLMail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: deep\r\nContent-Type: text/html\r\n\r\n" +
		strings.Repeat("<div>", size/5) + "hi" + strings.Repeat("</div>", size/5))
}

// longHeaderMail has a References field of size/20 message ids and a To
// field of size/30 addresses.
func longHeaderMail(size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: refs\r\nReferences:")
	for i := range size / 40 {
		fmt.Fprintf(&b, " <id%d@example.com>", i)
	}
	b.WriteString("\r\nTo:")
	for i := range size / 60 {
		fmt.Fprintf(&b, " u%d@example.com,", i)
	}
	b.WriteString(" z@example.com\r\n\r\nHello.\r\n")
	return []byte(b.String())
}

// uuMail is a text with twenty "begin" lines over about size bytes.
func uuMail(size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: uu\r\n\r\n")
	for range 20 {
		b.WriteString("begin 644 f.bin\r\n")
		b.WriteString(strings.Repeat("M86)C9&5F9VAI:FML;6YO<'%R<W1U=G=X>7IA8F-D969G:&EJ:VQM;F]P<7)S\r\n", size/20/63))
	}
	return []byte(b.String())
}

// latin1Mail is an unlabelled text of about size bytes in Latin-1, whose
// charset is guessed.
func latin1Mail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: latin\r\n\r\n" + strings.Repeat("Se\xf1or t\xe9cnico, \xa1hola! ", size/22))
}

// base64HTMLMail is a base64 text/html body of about size bytes.
func base64HTMLMail(size int) []byte {
	html := htmlMail(size * 3 / 4)
	_, body, _ := strings.Cut(string(html), "\r\n\r\n")
	return []byte("From: a@example.com\r\nSubject: b64\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap76(b64(body)) + "\r\n")
}

// qpMail is a quoted-printable body of about size bytes, most of it raw
// 8-bit bytes and broken escapes that the decoder has to repair.
func qpMail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: qp\r\nContent-Type: text/plain; charset=latin1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		strings.Repeat("\xe9\xe8=E9=\r\n \xff======\r\n", size/20))
}

// badBase64Mail is a base64 body of about size bytes of characters that
// do not belong in base64.
func badBase64Mail(size int) []byte {
	return []byte("From: a@example.com\r\nSubject: b64\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		strings.Repeat(strings.Repeat("!", 76)+"\r\n", size/78))
}

// adversarialShapes are the shapes the benchmarks and the memory test
// run, each at a base size.
var adversarialShapes = []struct {
	name string
	make func(int) []byte
	size int
}{
	{"nesting", func(n int) []byte { return nestedMail(n / 75) }, 1 << 20},
	{"parts", func(n int) []byte { return manyPartsMail(n / 45) }, 1 << 20},
	{"html", htmlMail, 4 << 20},
	{"base64html", base64HTMLMail, 4 << 20},
	{"deephtml", deepHTMLMail, 1 << 20},
	{"longline", longLineMail, 4 << 20},
	{"shortlines", shortLinesMail, 4 << 20},
	{"quotelines", quoteLinesMail, 4 << 20},
	{"headers", func(n int) []byte { return manyHeadersMail(n / 22) }, 1 << 20},
	{"longheader", longHeaderMail, 1 << 20},
	{"uuencode", uuMail, 4 << 20},
	{"latin1", latin1Mail, 4 << 20},
	{"qp", qpMail, 4 << 20},
	{"badbase64", badBase64Mail, 4 << 20},
}
