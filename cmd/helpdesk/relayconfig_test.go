package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/gateway"
	"helpdesk/outbound"
	"helpdesk/store"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestConfig_Relay(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "relay-password")
	os.WriteFile(pwFile, []byte("s3cret\n"), 0o640)
	open := filepath.Join(dir, "open-password")
	os.WriteFile(open, []byte("s3cret\n"), 0o644)

	c, err := gateway.LoadConfig(writeConfig(t, `
[mail]
relay = "smtp.example.net:587"
relay_tls = "starttls"
relay_username = "helpdesk"
relay_password_file = "`+pwFile+`"
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Mail.RelayPassword != "s3cret" || c.Mail.RelayTLS != "starttls" {
		t.Errorf("mail = %+v", c.Mail)
	}
	r, err := c.Relay()
	if err != nil {
		t.Fatal(err)
	}
	if r.TLS != outbound.RelayTLSStartTLS || r.Username != "helpdesk" || r.Password != "s3cret" || r.TLSConfig == nil || r.LocalName != c.Domain {
		t.Errorf("relay = %+v", r)
	}

	// The environment names the file too.
	c, err = gateway.LoadConfig("", []string{"HELPDESK_MAIL_RELAY=127.0.0.1:25", "HELPDESK_MAIL_RELAY_USERNAME=u", "HELPDESK_MAIL_RELAY_PASSWORD_FILE=" + pwFile})
	if err != nil || c.Mail.RelayPassword != "s3cret" {
		t.Errorf("from the environment: %v, password %q", err, c.Mail.RelayPassword)
	}

	for _, tc := range []struct{ name, toml, want string }{
		{"WorldReadable", `relay = "smtp.example.net:465"
relay_tls = "implicit"
relay_username = "u"
relay_password_file = "` + open + `"`, "readable by everyone"},
		{"Missing", `relay_password_file = "` + filepath.Join(dir, "nope") + `"`, "no such file"},
		{"Both", `relay_password = "x"
relay_password_file = "` + pwFile + `"`, "not both"},
		{"BadMode", `relay_tls = "ssl"`, `relay TLS mode "ssl"`},
		{"UserWithoutPassword", `relay_username = "u"`, "go together"},
		{"PasswordInClear", `relay = "smtp.example.net:25"
relay_username = "u"
relay_password = "p"`, "not loopback"},
		{"CertWithoutKey", `relay_cert_file = "c.pem"`, "relay_key_file go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.LoadConfig(writeConfig(t, "[mail]\n"+tc.toml+"\n"), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}

	// Plain SMTP with a password is fine to loopback.
	if _, err := gateway.LoadConfig(writeConfig(t, "[mail]\nrelay = \"127.0.0.1:25\"\nrelay_username = \"u\"\nrelay_password = \"p\"\n"), nil); err != nil {
		t.Errorf("loopback relay with a password: %v", err)
	}
}

// verifyRelayServer is a go-smtp relay with STARTTLS and AUTH PLAIN that
// counts the mail it accepts.
type verifyRelayServer struct{ mails int }

func (b *verifyRelayServer) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &verifyRelaySession{b: b}, nil
}

type verifyRelaySession struct {
	b      *verifyRelayServer
	authed bool
}

func (s *verifyRelaySession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *verifyRelaySession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "helpdesk" || pass != "s3cret" {
			return &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		s.authed = true
		return nil
	}), nil
}
func (s *verifyRelaySession) Mail(string, *gosmtp.MailOptions) error {
	if !s.authed {
		return gosmtp.ErrAuthRequired
	}
	return nil
}
func (s *verifyRelaySession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *verifyRelaySession) Data(r io.Reader) error                 { s.b.mails++; return nil }
func (s *verifyRelaySession) Reset()                                 {}
func (s *verifyRelaySession) Logout() error                          { return nil }

// selfSigned writes a certificate for 127.0.0.1 to dir/cert.pem.
func selfSigned(t *testing.T, dir string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// channel verify relay reports every step and sends nothing.
func TestVerify_RelaySteps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	be := &verifyRelayServer{}
	s := gosmtp.NewServer(be)
	s.Domain = "relay.test"
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{selfSigned(t, dir)}}
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()

	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(dir, "h.db")
	cfg.Mail.Relay = ln.Addr().String()
	cfg.Mail.RelayTLS = "starttls"
	cfg.Mail.RelayCAFile = filepath.Join(dir, "cert.pem")
	cfg.Mail.RelayUsername, cfg.Mail.RelayPassword = "helpdesk", "s3cret"
	db, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := gateway.SeedChannels(ctx, db, cfg); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := gateway.VerifyChannel(ctx, db, cfg, "relay", &out); err != nil {
		t.Fatalf("verify: %v\n%s", err, &out)
	}
	t.Logf("\n%s", &out)
	for _, want := range []string{"tls starttls, user helpdesk", "connect: ok", "ehlo: ok: before TLS", "starttls: ok: TLS 1.3",
		`certificate "CN=relay.test"`, "auth: ok: PLAIN as helpdesk", "mail from: ok: accepted <bounces+verify@support.example.com>",
		"rset: ok", "nothing was sent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if be.mails != 0 {
		t.Errorf("verify sent %d mails", be.mails)
	}

	for _, tc := range []struct{ name, want string }{
		{"WrongPassword", "relay: " + cfg.Mail.Relay + ": auth: PLAIN as helpdesk: SMTP error 535"},
		{"Untrusted", "relay: " + cfg.Mail.Relay + ": starttls: tls: failed to verify certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *cfg
			if tc.name == "WrongPassword" {
				c.Mail.RelayPassword = "wrong"
			} else {
				c.Mail.RelayCAFile = ""
			}
			err := gateway.VerifyChannel(ctx, db, &c, "relay", io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
