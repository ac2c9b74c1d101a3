package outbound

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		r        float64
		want     time.Duration
	}{
		{0, 0.5, 30 * time.Second},
		{1, 0.5, time.Minute},
		{2, 0.5, 2 * time.Minute},
		{6, 0.5, 32 * time.Minute},
		{7, 0.5, time.Hour}, // 64 min, capped
		{50, 0.5, time.Hour},
		{0, 0, 24 * time.Second},
		{0, 1, 36 * time.Second},
		{50, 0, 48 * time.Minute},
		{50, 1, 72 * time.Minute},
	}
	for _, tc := range tests {
		if got := backoff(tc.attempts, tc.r); got != tc.want {
			t.Errorf("backoff(%d, %v) = %v, want %v", tc.attempts, tc.r, got, tc.want)
		}
	}
}
