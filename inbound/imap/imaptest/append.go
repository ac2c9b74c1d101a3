package imaptest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Limits of one MULTIAPPEND command sent by AppendMany.
const (
	appendBatch      = 1000
	appendBatchBytes = 16 << 20
)

// multiAppend stores raws in mailbox with MULTIAPPEND (RFC 3502): one
// APPEND command carries up to appendBatch messages as non-synchronizing
// literals (LITERAL+), and Dovecot saves them in a single transaction.
// go-imap's client has no MULTIAPPEND, hence this minimal protocol code;
// it only runs against the server started by this package.
//
// One APPEND per message, even pipelined, costs Dovecot a full index
// transaction each, and that cost grows with the mailbox: 10,000 messages
// took over 10 s that way and take well under 1 s this way (mdbox).
func (s *Server) multiAppend(user, mailbox string, raws [][]byte) error {
	pw, ok := s.users[user]
	if !ok {
		return fmt.Errorf("unknown user %q (configured: %v)", user, s.Users())
	}
	conn, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	// Generous, but never hang a test forever.
	_ = conn.SetDeadline(time.Now().Add(time.Minute + time.Duration(len(raws))*10*time.Millisecond))

	p := &rawConn{r: bufio.NewReader(conn), w: bufio.NewWriterSize(conn, 256<<10)}
	greeting, err := p.readLine()
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if !strings.HasPrefix(greeting, "* OK") {
		return fmt.Errorf("greeting: %q", greeting)
	}
	p.printf("L LOGIN ")
	p.literal([]byte(user))
	p.printf(" ")
	p.literal([]byte(pw))
	p.printf("\r\n")
	if err := p.command("L"); err != nil {
		return fmt.Errorf("login as %s: %w", user, err)
	}

	for start, n := 0, 0; start < len(raws); n++ {
		end, size := start, 0
		for end < len(raws) && end-start < appendBatch && (end == start || size+len(raws[end]) <= appendBatchBytes) {
			size += len(raws[end])
			end++
		}
		tag := "A" + strconv.Itoa(n)
		p.printf("%s APPEND %s", tag, quote(mailbox))
		for _, raw := range raws[start:end] {
			p.printf(" ")
			p.literal(raw)
		}
		p.printf("\r\n")
		if err := p.command(tag); err != nil {
			return fmt.Errorf("messages %d to %d: %w", start, end-1, err)
		}
		start = end
	}
	p.printf("Z LOGOUT\r\n")
	_ = p.command("Z")
	return nil
}

// rawConn is just enough of an IMAP client for LOGIN, APPEND and LOGOUT.
// Write errors are sticky and reported by command.
type rawConn struct {
	r   *bufio.Reader
	w   *bufio.Writer
	err error
}

func (p *rawConn) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// literal writes a non-synchronizing literal, {n+} CRLF data.
func (p *rawConn) literal(b []byte) {
	p.printf("{%d+}\r\n", len(b))
	if p.err == nil {
		_, p.err = p.w.Write(b)
	}
}

// command flushes the command written so far and waits for its tagged
// reply, which must be OK.
func (p *rawConn) command(tag string) error {
	if p.err == nil {
		p.err = p.w.Flush()
	}
	if p.err != nil {
		return p.err
	}
	for {
		line, err := p.readLine()
		if err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(line, tag+" "); ok {
			if strings.HasPrefix(rest, "OK") {
				return nil
			}
			return errors.New(rest)
		}
		if strings.HasPrefix(line, "* BYE") {
			return errors.New(line)
		}
	}
}

// readLine reads one response line without its CRLF, with any literals in
// it inlined.
func (p *rawConn) readLine() (string, error) {
	var out bytes.Buffer
	for {
		line, err := p.r.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		out.WriteString(line)
		// A line ending in {n} announces n more bytes, then more line.
		i := strings.LastIndexByte(line, '{')
		if i < 0 || !strings.HasSuffix(line, "}") {
			return out.String(), nil
		}
		n, err := strconv.Atoi(line[i+1 : len(line)-1])
		if err != nil || n < 0 {
			return out.String(), nil
		}
		if _, err := io.CopyN(&out, p.r, int64(n)); err != nil {
			return "", err
		}
	}
}

// quote returns s as an IMAP quoted string. s must be ASCII without CR/LF
// (see asciiName).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// asciiName reports whether a mailbox name can be sent as a quoted string
// as is: printable ASCII, no '&' (which starts modified UTF-7).
func asciiName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '&' {
			return false
		}
	}
	return s != ""
}
