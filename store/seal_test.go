package store

import (
	"errors"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	s, err := NewSealer([]byte("gateway-secret"), "test purpose")
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("hunter2", "box")
	if !strings.HasPrefix(sealed, SealPrefix) || strings.Contains(sealed, "hunter2") {
		t.Fatalf("sealed %q", sealed)
	}
	if again := s.Seal("hunter2", "box"); again == sealed {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
	t.Run("OK", func(t *testing.T) {
		if got, err := s.Open(sealed, "box"); err != nil || got != "hunter2" {
			t.Fatalf("open = %q, %v", got, err)
		}
	})
	t.Run("Plain", func(t *testing.T) {
		if got, err := s.Open("old-plain", "box"); err != nil || got != "old-plain" {
			t.Fatalf("open plain = %q, %v", got, err)
		}
	})
	t.Run("ErrSealedElsewhere", func(t *testing.T) {
		other, _ := NewSealer([]byte("another-secret"), "test purpose")
		if _, err := other.Open(sealed, "box"); !errors.Is(err, ErrSealedElsewhere) {
			t.Fatalf("other secret: %v, want ErrSealedElsewhere", err)
		}
		if _, err := s.Open(sealed, "other-box"); !errors.Is(err, ErrSealedElsewhere) {
			t.Fatalf("other context: %v, want ErrSealedElsewhere", err)
		}
	})
	t.Run("ErrDamaged", func(t *testing.T) {
		if _, err := s.Open(SealPrefix+"!!", "box"); err == nil || errors.Is(err, ErrSealedElsewhere) {
			t.Fatalf("damaged: %v", err)
		}
		if _, err := s.Open("sealed:v9:abc", "box"); err == nil || !strings.Contains(err.Error(), "v9") {
			t.Fatalf("newer version: %v", err)
		}
	})
}
