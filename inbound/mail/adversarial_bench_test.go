package mail

import (
	"fmt"
	"strings"
	"testing"

	"helpdesk/core"
)

// BenchmarkParse_Adversarial parses each shape a hostile sender uses
// (adversarialShapes) at its base size n and at 4n. A linear parser
// shows about the same ns/B for both; compare the pairs:
//
//	go test ./inbound/mail/ -run XXX -bench Parse_Adversarial -benchmem
//
// Shapes over a MIME limit are refused, and cost only what was read up
// to the limit.
func BenchmarkParse_Adversarial(b *testing.B) {
	for _, s := range adversarialShapes {
		for _, mult := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/%dx", s.name, mult), func(b *testing.B) {
				raw := s.make(s.size * mult)
				b.ReportAllocs()
				b.SetBytes(int64(len(raw)))
				for b.Loop() {
					ParseWith(raw, core.Envelope{}, ParseOptions{})
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(raw)), "ns/B")
			})
		}
	}
}

// BenchmarkFiles_ManyParts reads back the files of a mail of n small
// attachments, as the outbox does once for each file it uploads into a
// ticket's thread: the cost of a reading grows with n, so uploading
// every file of a mail would grow with n² (core.UploadsPerMessage caps
// the uploads).
//
//	go test ./inbound/mail/ -run XXX -bench Files_ManyParts
func BenchmarkFiles_ManyParts(b *testing.B) {
	for _, n := range []int{100, 999} {
		var s strings.Builder
		s.WriteString("From: a@shop.example\r\nSubject: logs\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe logs.\r\n")
		for i := range n {
			fmt.Fprintf(&s, "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"shop-%03d.log\"\r\n\r\nlog line %d\r\n", i, i)
		}
		s.WriteString("--b--\r\n")
		raw := []byte(s.String())
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if files, err := Files(raw, 10<<20); err != nil || len(files) != n {
					b.Fatalf("Files: %d files, %v; want %d", len(files), err, n)
				}
			}
		})
	}
}
