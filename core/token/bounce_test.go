package token

import (
	"errors"
	"strings"
	"testing"
)

func TestSignVerifyBounce(t *testing.T) {
	secret := []byte("s3cret")
	for _, id := range []int64{1, 127, 128, 1 << 20, 1 << 40} {
		tok := SignBounce(secret, id)
		if tok != strings.ToLower(tok) || len("bounces+"+tok) > 64 {
			t.Fatalf("token %q: not lower case, or too long for a local part", tok)
		}
		for _, s := range []string{tok, strings.ToUpper(tok)} {
			got, err := VerifyBounce(secret, s)
			if err != nil || got != id {
				t.Fatalf("VerifyBounce(%q) = %d, %v; want %d", s, got, err, id)
			}
		}
	}
}

// A bounce token is no reply token and the other way round, and every
// change to one is refused.
func TestVerifyBounceRefuses(t *testing.T) {
	secret := []byte("s3cret")
	good := SignBounce(secret, 4711)
	flip := []byte(good)
	flip[5] ^= 1
	cases := []struct {
		name, tok string
		secret    []byte
	}{
		{"other secret", good, []byte("other")},
		{"tampered", string(flip), secret},
		{"reply token", Sign(secret, 4711, 1), secret},
		{"truncated", good[:10], secret},
		{"not base32", "!!!!", secret},
		{"empty", "", secret},
		{"too long", strings.Repeat("a", 100), secret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := VerifyBounce(c.secret, c.tok); !errors.Is(err, ErrInvalidBounce) {
				t.Fatalf("VerifyBounce err = %v, want ErrInvalidBounce", err)
			}
		})
	}
	if _, _, err := Verify(secret, good); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a bounce token passed as a reply token: %v", err)
	}
}

func FuzzVerifyBounce(f *testing.F) {
	f.Add(SignBounce([]byte("k"), 3))
	f.Add("aaaa")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := VerifyBounce([]byte("k"), s)
		if err == nil && SignBounce([]byte("k"), id) != strings.ToLower(s) {
			t.Fatalf("accepted %q that SignBounce does not produce", s)
		}
	})
}
