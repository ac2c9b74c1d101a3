package retry

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base, limit = time.Second, 5 * time.Minute
	for _, tc := range []struct {
		name     string
		failures int
		want     time.Duration // before jitter
	}{
		{"First", 0, time.Second},
		{"Second", 1, 2 * time.Second},
		{"Fifth", 4, 16 * time.Second},
		{"JustBelowCap", 8, 256 * time.Second},
		{"Capped", 9, limit},
		{"LongOutage", 1000, limit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Backoff(base, limit, tc.failures, 0.5); got != tc.want {
				t.Fatalf("Backoff(%d, r=0.5)=%v, want %v", tc.failures, got, tc.want)
			}
			lo, hi := Backoff(base, limit, tc.failures, 0), Backoff(base, limit, tc.failures, 0.999999)
			if wantLo := tc.want * 8 / 10; lo != wantLo {
				t.Fatalf("Backoff(%d, r=0)=%v, want %v (-20%%)", tc.failures, lo, wantLo)
			}
			if wantHi := tc.want * 12 / 10; hi > wantHi || hi < wantHi-time.Millisecond {
				t.Fatalf("Backoff(%d, r→1)=%v, want just below %v (+20%%)", tc.failures, hi, wantHi)
			}
		})
	}
}
