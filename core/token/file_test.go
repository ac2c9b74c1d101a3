package token

import (
	"errors"
	"testing"
	"time"
)

func TestFileTokens(t *testing.T) {
	secret := []byte("secret")
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tok := SignFile(secret, 42, now.Add(7*24*time.Hour))
	if id, err := VerifyFile(secret, tok, now); err != nil || id != 42 {
		t.Fatalf("VerifyFile = %d, %v; want 42", id, err)
	}
	other := SignFile(secret, 43, now.Add(time.Hour))
	for _, c := range []struct {
		name, tok string
		secret    []byte
		at        time.Time
		reason    string
	}{
		{"expired", tok, secret, now.Add(8 * 24 * time.Hour), "expired"},
		{"other secret", tok, []byte("other"), now, "bad signature"},
		{"reply token", Sign(secret, 42, 1), secret, now, "not a file token"},
		{"tampered", tok[:len(tok)-2] + "aa", secret, now, ""},
		{"spliced", tok[:6] + other[6:], secret, now, ""},
		{"garbage", "../../etc", secret, now, "not canonical base32"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := VerifyFile(c.secret, c.tok, c.at)
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("VerifyFile = %v; want a refusal", err)
			}
			if c.reason != "" && te.Reason != c.reason {
				t.Errorf("reason %q; want %q", te.Reason, c.reason)
			}
		})
	}
	if _, _, err := Verify(secret, tok); err == nil {
		t.Error("a file token passed as a reply token")
	}
}
