package outbound

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimHeaderKeys are the fields a DKIM signature covers: what a reader sees
// and what threads the mail (RFC 6376 section 5.4.1). A listed field the
// message lacks is still named in h=, so it cannot be added on the way
// without breaking the signature.
var dkimHeaderKeys = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "Content-Type", "MIME-Version",
}

// minRSABits is RFC 8301's floor for RSA signing keys.
const minRSABits = 1024

// DKIMSigner signs outgoing mail for one domain and selector, so that
// receivers can tie it to the domain (DKIM, RFC 6376; Ed25519 per
// RFC 8463). It is safe for concurrent use.
type DKIMSigner struct {
	domain, selector string
	key              crypto.Signer
}

// NewDKIMSigner reads the private key from a PEM file: RSA as PKCS#1
// ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"), Ed25519 as PKCS#8.
func NewDKIMSigner(domain, selector, keyFile string) (*DKIMSigner, error) {
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	s, err := NewDKIMSignerPEM(domain, selector, b)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, keyFile)
	}
	return s, nil
}

// NewDKIMSignerPEM is NewDKIMSigner with the PEM bytes at hand.
func NewDKIMSignerPEM(domain, selector string, pemBytes []byte) (*DKIMSigner, error) {
	if domain == "" || selector == "" {
		return nil, errors.New("dkim: domain and selector are required")
	}
	key, err := parseDKIMKey(pemBytes)
	if err != nil {
		return nil, err
	}
	return &DKIMSigner{domain: domain, selector: selector, key: key}, nil
}

func parseDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("dkim key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("dkim key: PEM type %q, want PRIVATE KEY or RSA PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if n := k.N.BitLen(); n < minRSABits {
			return nil, fmt.Errorf("dkim key: RSA key of %d bits, want at least %d", n, minRSABits)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("dkim key: %T not supported, want RSA or Ed25519", key)
}

// Domain is the signing domain, d=.
func (s *DKIMSigner) Domain() string { return s.domain }

// Selector is the key's selector, s=.
func (s *DKIMSigner) Selector() string { return s.selector }

// RecordName is where the public key must be published:
// selector._domainkey.domain.
func (s *DKIMSigner) RecordName() string { return s.selector + "._domainkey." + s.domain }

// Public is the public half of the signing key, for DKIMRecord.
func (s *DKIMSigner) Public() crypto.PublicKey { return s.key.Public() }

// Sign returns raw with a DKIM-Signature field prepended, relaxed/relaxed
// over dkimHeaderKeys. raw must be the message exactly as it will be sent;
// a failure means the message cannot be read and is permanent.
func (s *DKIMSigner) Sign(raw []byte) ([]byte, error) {
	signer, err := dkim.NewSigner(&dkim.SignOptions{
		Domain:                 s.domain,
		Selector:               s.selector,
		Signer:                 s.key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaderKeys,
	})
	if err != nil {
		return nil, permanent(fmt.Errorf("dkim sign: %w", err))
	}
	if _, err := signer.Write(raw); err != nil {
		_ = signer.Close() // the write error says it all
		return nil, permanent(fmt.Errorf("dkim sign: %w", err))
	}
	if err := signer.Close(); err != nil {
		return nil, permanent(fmt.Errorf("dkim sign: %w", err))
	}
	sig := signer.Signature()
	out := make([]byte, 0, len(sig)+len(raw))
	return append(append(out, sig...), raw...), nil
}

// GenerateDKIMKey makes a new signing key, "rsa" (2048 bits) or
// "ed25519", and returns it as PKCS#8 PEM together with the TXT record
// value to publish at the selector's name.
func GenerateDKIMKey(alg string) (pemBytes []byte, dnsTXT string, err error) {
	var key crypto.Signer
	switch alg {
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ed25519":
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, "", fmt.Errorf("dkim keygen: algorithm %q, want rsa or ed25519", alg)
	}
	if err != nil {
		return nil, "", fmt.Errorf("dkim keygen %s: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, "", fmt.Errorf("dkim keygen %s: %w", alg, err)
	}
	txt, err := DKIMRecord(key.Public())
	if err != nil {
		return nil, "", err
	}
	var b bytes.Buffer
	if err := pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, "", fmt.Errorf("dkim keygen %s: %w", alg, err)
	}
	return b.Bytes(), txt, nil
}

// DKIMRecord is the TXT record value that publishes pub: for RSA
// "v=DKIM1; k=rsa; p=" and the base64 SubjectPublicKeyInfo (RFC 6376
// section 3.6.1), for Ed25519 "v=DKIM1; k=ed25519; p=" and the base64 raw
// 32-byte key (RFC 8463 section 4).
func DKIMRecord(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", fmt.Errorf("dkim record: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), nil
	}
	return "", fmt.Errorf("dkim record: %T not supported, want RSA or Ed25519", pub)
}
