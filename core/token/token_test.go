package token

import (
	"errors"
	"strings"
	"testing"
)

func TestSignVerify(t *testing.T) {
	secret := []byte("s3cret")
	for _, c := range []struct{ ticket, profile int64 }{{1, 1}, {1042, 7}, {1 << 40, 1 << 33}} {
		tok := Sign(secret, c.ticket, c.profile)
		if tok != strings.ToLower(tok) {
			t.Fatalf("token %q not lower case", tok)
		}
		// Mail systems may upper-case local parts.
		for _, s := range []string{tok, strings.ToUpper(tok)} {
			tk, pr, err := Verify(secret, s)
			if err != nil {
				t.Fatalf("Verify(%q): %v", s, err)
			}
			if tk != c.ticket || pr != c.profile {
				t.Fatalf("Verify = %d,%d, want %d,%d", tk, pr, c.ticket, c.profile)
			}
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	secret := []byte("s3cret")
	good := Sign(secret, 1042, 7)
	flip := []byte(good)
	if flip[3] == 'a' {
		flip[3] = 'b'
	} else {
		flip[3] = 'a'
	}
	cases := []struct {
		name, tok string
		secret    []byte
	}{
		{"other secret", good, []byte("other")},
		{"tampered", string(flip), secret},
		{"other ticket's token", Sign([]byte("x"), 1, 1), secret},
		{"truncated", good[:10], secret},
		{"not base32", "!!!!", secret},
		{"empty", "", secret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Verify(c.secret, c.tok)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Verify err = %v, want ErrInvalid", err)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(Sign([]byte("k"), 3, 4))
	f.Add("aaaa")
	f.Fuzz(func(t *testing.T, s string) {
		tk, pr, err := Verify([]byte("k"), s)
		if err == nil && Sign([]byte("k"), tk, pr) != strings.ToLower(s) {
			t.Fatalf("accepted %q that Sign does not produce", s)
		}
	})
}

// A participant's token (version 2) names the participant, and the
// version-1 tokens already in mailboxes stay valid.
func TestSignParticipant(t *testing.T) {
	secret := []byte("s")
	c, err := Parse(secret, SignParticipant(secret, 1042, 7))
	if err != nil || c != (Claims{Ticket: 1042, Participant: 7}) {
		t.Fatalf("Parse(participant token) = %+v, %v", c, err)
	}
	c, err = Parse(secret, Sign(secret, 1042, 7))
	if err != nil || c != (Claims{Ticket: 1042, Profile: 7}) {
		t.Fatalf("Parse(profile token) = %+v, %v", c, err)
	}
	if n, p, err := Verify(secret, SignParticipant(secret, 1042, 7)); err != nil || n != 1042 || p != 0 {
		t.Fatalf("Verify(participant token) = %d, %d, %v", n, p, err)
	}
	if _, err := Parse([]byte("other"), SignParticipant(secret, 1042, 7)); err == nil {
		t.Fatal("a participant token verified with another secret")
	}
}
