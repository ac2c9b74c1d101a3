package gateway

import (
	"fmt"
	"os"

	"helpdesk/outbound"
)

// DKIMKeygen is a new signing key for outbound mail (`dkim keygen`): its
// algorithm, rsa or ed25519, the file it goes to and the record that
// publishes it.
type DKIMKeygen struct {
	Alg, File, Selector, Domain string
}

// WithDefaults fills the empty fields from [mail]: dkim_key_file (else
// dkim.pem), dkim_selector (else hd1) and dkim_domain (else domain).
func (k DKIMKeygen) WithDefaults(cfg *Config) DKIMKeygen {
	k.File = firstOf(k.File, cfg.Mail.DKIMKeyFile, "dkim.pem")
	k.Selector = firstOf(k.Selector, cfg.Mail.DKIMSelector, "hd1")
	k.Domain = firstOf(k.Domain, cfg.Mail.DKIMDomain, cfg.Domain)
	return k
}

// RecordName is the DNS name the key is published at.
func (k DKIMKeygen) RecordName() string { return k.Selector + "._domainkey." + k.Domain }

// Write generates the key and writes it 0600 to File, which must not
// exist yet; it returns the value of the TXT record to publish.
func (k DKIMKeygen) Write() (string, error) {
	pemBytes, txt, err := outbound.GenerateDKIMKey(k.Alg)
	if err != nil {
		return "", err
	}
	if err := writeNew(k.File, pemBytes); err != nil {
		return "", err
	}
	return txt, nil
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// writeNew writes a private key to a new file, readable by its owner only;
// an existing file is never overwritten.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("dkim keygen: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("dkim keygen: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("dkim keygen: write %s: %w", path, err)
	}
	return nil
}
