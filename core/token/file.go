package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"
)

// versionFile starts a file link's token: it names one kept file and
// when the link expires. Its MAC has a label of its own, so a file token
// is never a reply token, nor the other way round.
const versionFile = 3

// fileMacLen is longer than a reply token's: a file link is open to
// anyone who guesses it, with no mailbox in the way.
const fileMacLen = 16

// SignFile returns the token of the link to file id, valid until expires.
func SignFile(secret []byte, id int64, expires time.Time) string {
	payload := binary.AppendUvarint([]byte{versionFile}, uint64(id))
	payload = binary.AppendUvarint(payload, uint64(expires.Unix()))
	return strings.ToLower(enc.EncodeToString(append(payload, fileMAC(secret, payload)...)))
}

// VerifyFile checks a file link's token at now and returns the file it
// names.
func VerifyFile(secret []byte, s string, now time.Time) (int64, error) {
	up := strings.ToUpper(s)
	b, err := enc.DecodeString(up)
	if err != nil || enc.EncodeToString(b) != up {
		return 0, &Error{Reason: "not canonical base32"}
	}
	if len(b) < 1+2+fileMacLen || b[0] != versionFile {
		return 0, &Error{Reason: "not a file token"}
	}
	payload, sum := b[:len(b)-fileMacLen], b[len(b)-fileMacLen:]
	if !hmac.Equal(sum, fileMAC(secret, payload)) {
		return 0, &Error{Reason: "bad signature"}
	}
	id, n := binary.Uvarint(payload[1:])
	exp, m := binary.Uvarint(payload[1+max(n, 0):])
	if n <= 0 || m <= 0 || 1+n+m != len(payload) {
		return 0, &Error{Reason: "malformed"}
	}
	if now.Unix() > int64(exp) {
		return 0, &Error{Reason: "expired"}
	}
	return int64(id), nil
}

func fileMAC(secret, payload []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("helpdesk file link\x00"))
	h.Write(payload)
	return h.Sum(nil)[:fileMacLen]
}
