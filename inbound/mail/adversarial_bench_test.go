package mail

import (
	"fmt"
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
