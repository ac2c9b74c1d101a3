package smtp

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/inbound/mail"
	"helpdesk/internal/cmem"
	"helpdesk/internal/smtpsend"
)

// largeMail streams a mail with one attachment of size bytes, base64
// in 76-character lines, without holding it: the client's side of the
// benchmark stays small.
func largeMail(id string, i, size int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		fmt.Fprintf(w, "From: Customer %d <c%d@shop.example>\r\nTo: support@support.example.com\r\n"+
			"Subject: Logs attached\r\nMessage-ID: <%s@shop.example>\r\nMIME-Version: 1.0\r\n"+
			"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"+
			"The logs of last night are attached.\r\n--b1\r\nContent-Type: application/octet-stream\r\n"+
			"Content-Disposition: attachment; filename=\"logs.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i, i, id)
		chunk := make([]byte, 57) // one 76-character line
		line := make([]byte, 76)
		for off := 0; off < size; off += len(chunk) {
			c := chunk[:min(len(chunk), size-off)]
			for j := range c {
				c[j] = byte((off+j)*7 + (off+j)>>9)
			}
			n := base64.StdEncoding.EncodedLen(len(c))
			base64.StdEncoding.Encode(line, c)
			w.Write(line[:n])
			w.WriteString("\r\n")
		}
		w.WriteString("--b1--\r\n")
		pw.CloseWithError(w.Flush())
	}()
	return pr
}

// BenchmarkData_Large: ten mails with a 20 MB attachment each, sent at
// once over SMTP to the server and stored, their SIZE declared as MTAs
// do. It reports the process's peak RSS (VmHWM), with the collector set
// as serve sets it; run it alone (-bench 'Data_Large$' -benchtime 1x)
// so that the peak is this load's. The clients generate their mails as
// they send them.
func BenchmarkData_Large(b *testing.B) { benchLarge(b, true, 0) }

// BenchmarkData_LargeNoSize: the same without SIZE.
func BenchmarkData_LargeNoSize(b *testing.B) { benchLarge(b, false, 0) }

// serveParseMemory and serveMemoryLimit are what serve runs with by
// default: [limits] parse_memory (gateway.DefaultParseMemory) and the
// collector's soft limit it derives from it (gateway.Config.MemoryLimit);
// serve also has large C blocks returned when freed (cmem).
const (
	serveParseMemory = 64 << 20
	serveMemoryLimit = 128<<20 + 2*serveParseMemory
)

// BenchmarkData_LargeServe and BenchmarkData_LargeServeNoSize are the
// two above with serve's memory settings: the mails take their turns
// for the parse budget instead of being read all at once. The C
// allocator's setting lasts for the rest of the process: run each alone.
func BenchmarkData_LargeServe(b *testing.B) { benchLarge(b, true, serveParseMemory) }

func BenchmarkData_LargeServeNoSize(b *testing.B) { benchLarge(b, false, serveParseMemory) }

// benchLarge sends the ten mails; budget 0 runs without a parse budget,
// with a memory limit of 512 MB.
func benchLarge(b *testing.B, declare bool, budget int64) {
	debug.SetGCPercent(400)
	opts := Options{MaxMessageBytes: 40 << 20}
	if budget > 0 {
		opts.ParseBudget = mail.NewBudget(budget)
		debug.SetMemoryLimit(serveMemoryLimit)
		cmem.ReturnLargeBlocks()
	} else {
		debug.SetMemoryLimit(512 << 20)
	}
	const n, size = 10, 20 << 20
	f := mustServer(b, opts)
	length, err := io.Copy(io.Discard, largeMail("large-0000-0", 0, size)) // every mail's length
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = sendLarge(f.addr, fmt.Sprintf("c%d@shop.example", i), largeMail(fmt.Sprintf("large-%04d-%d", it, i), i, size), length, declare)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peakRSS())/(1<<20), "MB-peak-RSS")
}

func sendLarge(addr, from string, msg io.Reader, length int64, declare bool) error {
	c, err := gosmtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if !declare {
		length = 0
	}
	if err := smtpsend.Mail(c, from, "support@support.example.com", msg, length); err != nil {
		return err
	}
	return c.Quit()
}

// peakRSS is the process's VmHWM in bytes, 0 where /proc is missing.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
