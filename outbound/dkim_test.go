package outbound

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"helpdesk/internal/dnstest"
)

// dkimTestMessage lacks Cc and References, which are signed all the same.
const dkimTestMessage = "From: Helpdesk <help@desk.example>\r\n" +
	"To: Alice <alice@shop.example>\r\n" +
	"Subject: [#42] Your order\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n" +
	"Message-ID: <t42.1@desk.example>\r\n" +
	"In-Reply-To: <m1@shop.example>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"Hello Alice,\r\n" +
	"\r\n" +
	"your order ships today.\r\n"

func mustDKIMSigner(t *testing.T, alg string) (*DKIMSigner, string) {
	t.Helper()
	pemBytes, txt, err := GenerateDKIMKey(alg)
	if err != nil {
		t.Fatalf("GenerateDKIMKey(%q): %v", alg, err)
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewDKIMSigner("desk.example", "sel1", path)
	if err != nil {
		t.Fatalf("NewDKIMSigner: %v", err)
	}
	return s, txt
}

// verifyDKIM checks msg with go-msgauth over real DNS from a dnstest server.
func verifyDKIM(t *testing.T, srv *dnstest.Server, msg []byte) []*dkim.Verification {
	t.Helper()
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr())
	}}
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			return r.LookupTXT(context.Background(), name+".")
		},
	})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return verifs
}

func TestDKIMSigner_SignVerify(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			s, txt := mustDKIMSigner(t, alg)
			if !strings.Contains(txt, "k="+alg+";") {
				t.Fatalf("record %q does not name k=%s", txt, alg)
			}
			srv := dnstest.Start(t, dnstest.Zone{s.RecordName(): {TXT: []string{txt}}})

			signed, err := s.Sign([]byte(dkimTestMessage))
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature: ")) || !bytes.HasSuffix(signed, []byte(dkimTestMessage)) {
				t.Fatalf("signed message is not signature + original:\n%s", signed)
			}
			verifs := verifyDKIM(t, srv, signed)
			if len(verifs) != 1 || verifs[0].Err != nil {
				t.Fatalf("verifications=%v, want one that passed", verifs)
			}
			if got := verifs[0].Domain; got != "desk.example" {
				t.Fatalf("d=%q, want desk.example", got)
			}
			keys := strings.ToLower(strings.Join(verifs[0].HeaderKeys, ":"))
			for _, k := range dkimHeaderKeys {
				if !strings.Contains(keys, strings.ToLower(k)) {
					t.Fatalf("h=%s lacks %s", keys, k)
				}
			}

			tampered := bytes.Replace(signed, []byte("ships today"), []byte("ships never"), 1)
			if v := verifyDKIM(t, srv, tampered); v[0].Err == nil {
				t.Fatalf("tampered body verified")
			}
			// A Cc added on the way breaks the signature, though the
			// message had none when signed.
			withCc := bytes.Replace(signed, []byte("Subject:"), []byte("Cc: eve@evil.example\r\nSubject:"), 1)
			if v := verifyDKIM(t, srv, withCc); v[0].Err == nil {
				t.Fatalf("added Cc verified")
			}
		})
	}
}

// TestDKIMSigner_PythonVerify checks our signatures with an independent
// implementation, Debian's python3-dkim (dkimpy). The key is handed over
// through dnsfunc, so no DNS is involved.
func TestDKIMSigner_PythonVerify(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import dkim").Run(); err != nil {
		msg := "needs " + python + " with the dkim module (apt-get install python3-dkim): " + err.Error()
		if os.Getenv("HELPDESK_REQUIRE_PYDKIM") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	const script = `
import dkim, sys
name, record = sys.argv[1].encode(), sys.argv[2].encode()
looked_up = []
def dnsfunc(qname, timeout=5):
    looked_up.append(qname)
    return record if qname.rstrip(b".").lower() == name else None
ok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=dnsfunc)
print("pass" if ok else "fail", looked_up)
`
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			s, txt := mustDKIMSigner(t, alg)
			signed, err := s.Sign([]byte(dkimTestMessage))
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			run := func(msg []byte) string {
				cmd := exec.Command(python, "-c", script, s.RecordName(), txt)
				cmd.Stdin = bytes.NewReader(msg)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("python: %v\n%s", err, out)
				}
				return strings.TrimSpace(string(out))
			}
			if out := run(signed); !strings.HasPrefix(out, "pass") {
				t.Fatalf("dkimpy: %s, want pass", out)
			}
			if out := run(bytes.Replace(signed, []byte("Alice,"), []byte("Eve,"), 1)); !strings.HasPrefix(out, "fail") {
				t.Fatalf("dkimpy on a tampered body: %s, want fail", out)
			}
		})
	}
}

func TestDKIMSigner_KeyFormats(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	edPEM, _, err := GenerateDKIMKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		pem  []byte
		ok   bool
	}{
		{"RSAPKCS1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), true},
		{"RSAPKCS8", pkcs8(rsaKey), true},
		{"Ed25519PKCS8", edPEM, true},
		{"ECDSA", pkcs8(ecKey), false},
		{"PublicKey", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), false},
		{"NotPEM", []byte("hello"), false},
		{"Garbage", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := NewDKIMSignerPEM("desk.example", "sel1", c.pem)
			if (err == nil) != c.ok {
				t.Fatalf("err=%v, want ok=%v", err, c.ok)
			}
			if err != nil {
				return
			}
			if _, err := s.Sign([]byte(dkimTestMessage)); err != nil {
				t.Fatalf("Sign: %v", err)
			}
		})
	}
	if _, err := NewDKIMSignerPEM("", "sel1", edPEM); err == nil {
		t.Fatalf("empty domain: no error")
	}
	if _, err := NewDKIMSigner("desk.example", "sel1", filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Fatalf("missing file: no error")
	}
	if _, _, err := GenerateDKIMKey("dsa"); err == nil {
		t.Fatalf("GenerateDKIMKey(dsa): no error")
	}
}
