package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SealPrefix starts every sealed value: the scheme and its version.
// Version 1 is AES-256-GCM under a key derived with HKDF-SHA256 from the
// gateway's secret and a purpose label, with a random 12-byte nonce;
// base64 (standard, padded) of nonce‖ciphertext‖tag follows the prefix.
const SealPrefix = "sealed:v1:"

// ErrSealedElsewhere is returned by Sealer.Open for a value sealed under
// another key: the gateway's secret changed since it was sealed, or the
// value was moved to another row.
var ErrSealedElsewhere = errors.New("sealed with another secret")

// Sealer seals the secrets the database keeps (an added mailbox's
// password), so that neither the database file nor its backups hold them
// in clear text. It is safe for concurrent use.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the sealing key for purpose (a label such as
// "helpdesk channel password") from secret.
func NewSealer(secret []byte, purpose string) (*Sealer, error) {
	if len(secret) == 0 {
		return nil, errors.New("seal: the secret is empty")
	}
	key, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// IsSealed reports whether v is a sealed value rather than clear text.
func IsSealed(v string) bool { return strings.HasPrefix(v, "sealed:") }

// Seal encrypts plain; context (the row it belongs to, e.g. the channel's
// name) is authenticated too, so a sealed value only opens where it was
// sealed.
func (s *Sealer) Seal(plain, context string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce) // never fails (crypto/rand)
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(context))
	return SealPrefix + base64.StdEncoding.EncodeToString(out)
}

// Open decrypts a value Seal made with the same context. A value that is
// not sealed (a row written before sealing) is returned as it is. A value
// sealed under another key or context is ErrSealedElsewhere; one of a
// newer version, or damaged, is an error that says so.
func (s *Sealer) Open(v, context string) (string, error) {
	if !IsSealed(v) {
		return v, nil
	}
	if !strings.HasPrefix(v, SealPrefix) {
		ver, _, _ := strings.Cut(strings.TrimPrefix(v, "sealed:"), ":")
		return "", fmt.Errorf("sealed value of version %q: this binary knows v1", ver)
	}
	raw, err := base64.StdEncoding.DecodeString(v[len(SealPrefix):])
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return "", errors.New("sealed value is damaged")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrSealedElsewhere
	}
	return string(plain), nil
}
