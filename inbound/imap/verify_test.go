package imap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestVerify(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1), imap.FlagSeen)
	f.srv.append(t, "INBOX", mailN(2))
	f.srv.append(t, "INBOX", mailN(3))
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		r, err := Verify(ctx, f.opts())
		if err != nil {
			t.Fatal(err)
		}
		if r.Messages != 3 || r.Unseen != 2 || r.UIDNext != 4 || r.UIDValidity != f.srv.uidValidity(t, "INBOX") || !r.IDLE || !r.MOVE {
			t.Fatalf("report=%+v", r)
		}
		if !slices.Contains(r.Capabilities, "IMAP4rev2") {
			t.Fatalf("capabilities=%v", r.Capabilities)
		}
		// Verify only looks: nothing became \Seen.
		if f.srv.seen(t, "INBOX", 2) {
			t.Fatal("Verify marked mail \\Seen")
		}
	})
	t.Run("AuthPlain", func(t *testing.T) {
		o := f.opts()
		o.Auth = AuthPlain
		if _, err := Verify(ctx, o); err != nil {
			t.Fatal(err)
		}
		if len(f.srv.sent("AUTHENTICATE PLAIN")) == 0 {
			t.Fatal("no AUTHENTICATE PLAIN sent")
		}
	})
	for _, tc := range []struct {
		name   string
		modify func(*Options)
		want   string
	}{
		{"WrongPassword", func(o *Options) { o.Password = "nope" }, "login refused for user agent: imap: NO [AUTHENTICATIONFAILED]"},
		{"MailboxMissing", func(o *Options) { o.Mailbox = "Support" }, "mailbox Support does not exist"},
		{"ProcessedMissing", func(o *Options) { o.ProcessedMailbox = "Done" }, "mailbox Done does not exist"},
		{"Dial", func(o *Options) { o.Address = closedAddr(t) }, "dial 127.0.0.1:"},
		{"TLSOnPlainServer", func(o *Options) { o.TLS = TLSImplicit }, "tls handshake with"},
		{"UnknownTLSMode", func(o *Options) { o.TLS = "ssl" }, `tls mode "ssl" is not none, starttls or implicit`},
		{"BadCAFile", func(o *Options) { o.TLS, o.CAFile = TLSImplicit, filepath.Join(t.TempDir(), "none.pem") }, "read CA file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := f.opts()
			tc.modify(&o)
			_, err := Verify(ctx, o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err=%v, want %q", err, tc.want)
			}
		})
	}
}

func TestVerify_TLS(t *testing.T) {
	conf, caFile := mustCert(t)
	for _, tc := range []struct {
		name     string
		mode     string
		implicit bool
	}{{"Implicit", TLSImplicit, true}, {"StartTLS", TLSStartTLS, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustFixture(t, serverConfig{tls: conf, implicit: tc.implicit, noInsecureAuth: true})
			o := f.opts()
			o.TLS = tc.mode
			o.ServerName = "imap.test"

			if _, err := Verify(context.Background(), o); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("err=%v without the CA file, want a certificate error", err)
			}
			o.CAFile = caFile
			r, err := Verify(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Messages != 0 {
				t.Fatalf("report=%+v", r)
			}
			// The poller speaks the same TLS.
			f.srv.append(t, "INBOX", mailN(1))
			p := New(f.svc, f.st, o)
			f.run(t, p)
			waitFor(t, "the mail over TLS", func() bool { return p.State().Processed == 1 })
		})
	}
}

// closedAddr is an address where nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// mustCert makes a self-signed certificate for imap.test and writes it to
// a PEM file, as a private CA would be configured.
func mustCert(t *testing.T) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "imap.test"},
		DNSNames:              []string{"imap.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return conf, file
}
