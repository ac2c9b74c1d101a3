// Package token signs and verifies the reply tokens carried in the
// Reply-To address of every notification (support+TOKEN@domain).
//
// A token names a ticket and the profile it was sent to, and carries an
// HMAC-SHA256 over both, truncated to 80 bits. It is encoded in lower-case
// base32 without padding, which survives mail systems that change the case
// of local parts. The first byte is a version, so the format can change
// without breaking the tokens already in customers' mailboxes.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

const (
	version1 = 1
	macLen   = 10 // bytes: 80 bits
)

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("invalid reply token")

// Error says why a token was refused.
type Error struct{ Reason string }

func (e *Error) Error() string { return ErrInvalid.Error() + ": " + e.Reason }
func (e *Error) Unwrap() error { return ErrInvalid }

// Sign returns the token for ticket and profile.
func Sign(secret []byte, ticket, profile int64) string {
	payload := binary.AppendUvarint([]byte{version1}, uint64(ticket))
	payload = binary.AppendUvarint(payload, uint64(profile))
	b := append(payload, mac(secret, payload)...)
	return strings.ToLower(enc.EncodeToString(b))
}

// Verify checks s and returns the ticket and profile it names.
func Verify(secret []byte, s string) (ticket, profile int64, err error) {
	up := strings.ToUpper(s)
	b, err := enc.DecodeString(up)
	if err != nil || enc.EncodeToString(b) != up {
		return 0, 0, &Error{Reason: "not canonical base32"}
	}
	if len(b) < 1+2+macLen {
		return 0, 0, &Error{Reason: "too short"}
	}
	if b[0] != version1 {
		return 0, 0, &Error{Reason: fmt.Sprintf("unknown version %d", b[0])}
	}
	payload, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sum, mac(secret, payload)) {
		return 0, 0, &Error{Reason: "bad signature"}
	}
	t, n := binary.Uvarint(payload[1:])
	if n <= 0 {
		return 0, 0, &Error{Reason: "bad ticket"}
	}
	p, m := binary.Uvarint(payload[1+n:])
	if m <= 0 || 1+n+m != len(payload) {
		return 0, 0, &Error{Reason: "bad profile"}
	}
	return int64(t), int64(p), nil
}

func mac(secret, payload []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("helpdesk reply token\x00"))
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}
