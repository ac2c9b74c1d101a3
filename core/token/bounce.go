package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Bounce tokens are the +detail of the signed envelope return path
// (VERP) of every mail the gateway sends: bounces+TOKEN@domain. A token
// names the record of one sent mail (its Message-ID and its one
// recipient, kept by the store), so a delivery report that comes back to
// it is about that mail and that address, whatever the report says.
//
// The format follows the reply token's: a version byte, the record's id
// as a uvarint, and an HMAC-SHA256 over both truncated to 80 bits, in
// lower-case base32 without padding (20 to 32 characters). The MAC is
// keyed apart from the reply token's, so neither kind passes for the
// other.

const bounceVersion1 = 1

// ErrInvalidBounce is wrapped by every failure to verify a bounce token.
var ErrInvalidBounce = errors.New("invalid bounce token")

// SignBounce returns the bounce token of the sent-mail record id.
func SignBounce(secret []byte, id int64) string {
	payload := binary.AppendUvarint([]byte{bounceVersion1}, uint64(id))
	b := append(payload, bounceMAC(secret, payload)...)
	return strings.ToLower(enc.EncodeToString(b))
}

// VerifyBounce checks s and returns the sent-mail record it names.
func VerifyBounce(secret []byte, s string) (int64, error) {
	fail := func(reason string) (int64, error) {
		return 0, fmt.Errorf("%w: %s", ErrInvalidBounce, reason)
	}
	// The longest valid token is 1+9+10 bytes: 32 characters.
	if len(s) > 40 {
		return fail("too long")
	}
	up := strings.ToUpper(s)
	b, err := enc.DecodeString(up)
	if err != nil || enc.EncodeToString(b) != up {
		return fail("not canonical base32")
	}
	if len(b) < 1+1+macLen {
		return fail("too short")
	}
	if b[0] != bounceVersion1 {
		return fail(fmt.Sprintf("unknown version %d", b[0]))
	}
	payload, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(sum, bounceMAC(secret, payload)) {
		return fail("bad signature")
	}
	id, n := binary.Uvarint(payload[1:])
	if n <= 0 || 1+n != len(payload) || id == 0 || id > 1<<62 {
		return fail("bad record id")
	}
	return int64(id), nil
}

func bounceMAC(secret, payload []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("helpdesk bounce token\x00"))
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}
