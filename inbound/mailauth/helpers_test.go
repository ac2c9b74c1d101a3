package mailauth

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"helpdesk/internal/dnstest"
)

// testMessage is a plain CRLF message from alice@shop.example.
const testMessage = "From: Alice <alice@shop.example>\r\n" +
	"To: help@desk.example\r\n" +
	"Subject: Re: order 42 #close\r\n" +
	"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n" +
	"Message-ID: <m1@shop.example>\r\n" +
	"\r\n" +
	"Thanks, all good.\r\n"

func fromMessage(from string) string {
	return strings.Replace(testMessage, "alice@shop.example", from, 1)
}

type testKey struct {
	signer crypto.Signer
	txt    string // DKIM key record
}

var (
	edKey = sync.OnceValue(func() testKey {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return testKey{priv, "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
	})
	rsaKey = sync.OnceValue(func() testKey {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if err != nil {
			panic(err)
		}
		return testKey{priv, "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)}
	})
)

// mustSign prepends a DKIM-Signature by domain/selector to msg.
func mustSign(t *testing.T, msg, domain, selector string, k testKey) string {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 k.signer,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
	})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return b.String()
}

// mustVerifier starts a DNS server with zone and returns a Verifier asking it.
func mustVerifier(t *testing.T, zone dnstest.Zone, opts Options) (*Verifier, *dnstest.Server) {
	t.Helper()
	srv := dnstest.Start(t, zone)
	return New(mustResolver(t, srv.Addr(), 0), opts), srv
}

func mustResolver(t *testing.T, addr string, timeout time.Duration) *DNSResolver {
	t.Helper()
	r, err := NewResolver(addr, timeout)
	if err != nil {
		t.Fatalf("NewResolver(%q): %v", addr, err)
	}
	return r
}
