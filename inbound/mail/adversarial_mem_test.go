package mail

import (
	"runtime"
	"testing"

	"helpdesk/core"
)

// allocatedBy returns the bytes allocated by one ParseWith of raw, the
// least of a few runs (the test framework allocates a little on the
// side).
func allocatedBy(raw []byte) uint64 {
	least := ^uint64(0)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ParseWith(raw, core.Envelope{}, ParseOptions{})
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// TestParse_MemoryLinear pins the memory of parsing each hostile shape
// (adversarialShapes, a quarter of their benchmark size) to its size:
// what is allocated per input byte does not grow when the input grows
// fourfold, and for the shapes whose cost is the parser's own it stays
// within a small multiple of the input, plus what the limits allow
// whatever the size (a megabyte of text, a thousand parts). A quadratic
// path (a copy per nesting level, per part, per line) fails the first;
// the tree of an HTML document or a copy per step of the text's way
// fails the second. Allocation is counted, not timed, so the test holds
// on a loaded machine. Under -race, which allocates on its own account,
// only the first is checked, on smaller mails.
func TestParse_MemoryLinear(t *testing.T) {
	// maxPerByte bounds bytes allocated per input byte, beyond capped.
	// "shortlines" and "longheader" are left out: their cost is the
	// #command reader's and the References reader's.
	const capped = 16 << 20
	maxPerByte := map[string]float64{
		"nesting": 1, "parts": 1, "html": 1, "base64html": 6, "deephtml": 6, "longline": 6,
		"quotelines": 8, "headers": 12, "uuencode": 16, "latin1": 8, "qp": 10, "badbase64": 2,
	}
	for _, s := range adversarialShapes {
		t.Run(s.name, func(t *testing.T) {
			n := s.size / 4
			if raceEnabled {
				n = s.size / 32
			}
			small, large := s.make(n), s.make(4*n)
			as, al := allocatedBy(small), allocatedBy(large)
			ps, pl := float64(as)/float64(len(small)), float64(al)/float64(len(large))
			t.Logf("%d bytes: %.2f B/B allocated; %d bytes: %.2f B/B", len(small), ps, len(large), pl)
			if pl > 1.5*ps+0.5 {
				t.Errorf("allocation per byte grew from %.2f to %.2f with the input: not linear", ps, pl)
			}
			if limit, ok := maxPerByte[s.name]; ok && !raceEnabled && float64(al) > limit*float64(len(large))+capped {
				t.Errorf("allocated %d bytes for %d, want at most %.0f per byte and %d more", al, len(large), limit, capped)
			}
		})
	}
}
