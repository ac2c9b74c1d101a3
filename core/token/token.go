// Package token signs and verifies the reply tokens carried in the
// Reply-To address of every notification (support+TOKEN@domain).
//
// A token names a ticket and the profile it was sent to (version 1), or
// the ticket and a participant who is no profile of its account (version
// 2), and carries an HMAC-SHA256 over both, truncated to 80 bits. It is encoded in lower-case
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
	version1 = 1  // ticket and profile
	version2 = 2  // ticket and participant
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
	return sign(secret, version1, ticket, profile)
}

// SignParticipant returns the token for ticket and one of its
// participants who is no profile of the ticket's account.
func SignParticipant(secret []byte, ticket, participant int64) string {
	return sign(secret, version2, ticket, participant)
}

func sign(secret []byte, version byte, ticket, id int64) string {
	payload := binary.AppendUvarint([]byte{version}, uint64(ticket))
	payload = binary.AppendUvarint(payload, uint64(id))
	b := append(payload, mac(secret, payload)...)
	return strings.ToLower(enc.EncodeToString(b))
}

// Claims are what a verified token names: the ticket, and either the
// profile (a version 1 token) or the participant (version 2) it was
// sent to; the other is 0.
type Claims struct {
	Ticket, Profile, Participant int64
}

// Verify checks s and returns the ticket and profile it names; profile
// is 0 for a participant's token.
func Verify(secret []byte, s string) (ticket, profile int64, err error) {
	c, err := Parse(secret, s)
	return c.Ticket, c.Profile, err
}

// Parse checks s, a token of either version, and returns what it names.
func Parse(secret []byte, s string) (Claims, error) {
	ticket, id, version, err := parse(secret, s)
	if err != nil {
		return Claims{}, err
	}
	if version == version2 {
		return Claims{Ticket: ticket, Participant: id}, nil
	}
	return Claims{Ticket: ticket, Profile: id}, nil
}

func parse(secret []byte, s string) (ticket, id int64, version byte, err error) {
	up := strings.ToUpper(s)
	b, err := enc.DecodeString(up)
	if err != nil || enc.EncodeToString(b) != up {
		return 0, 0, 0, &Error{Reason: "not canonical base32"}
	}
	if len(b) < 1+2+macLen {
		return 0, 0, 0, &Error{Reason: "too short"}
	}
	if b[0] != version1 && b[0] != version2 {
		return 0, 0, 0, &Error{Reason: fmt.Sprintf("unknown version %d", b[0])}
	}
	payload, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sum, mac(secret, payload)) {
		return 0, 0, 0, &Error{Reason: "bad signature"}
	}
	t, n := binary.Uvarint(payload[1:])
	if n <= 0 {
		return 0, 0, 0, &Error{Reason: "bad ticket"}
	}
	p, m := binary.Uvarint(payload[1+n:])
	if m <= 0 || 1+n+m != len(payload) {
		return 0, 0, 0, &Error{Reason: "bad profile"}
	}
	return int64(t), int64(p), b[0], nil
}

func mac(secret, payload []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("helpdesk reply token\x00"))
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}
