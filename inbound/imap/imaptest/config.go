package imaptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// config renders dovecot.conf (Dovecot 2.3 syntax) for one instance.
//
// The choices, briefly:
//   - base_dir, state_dir and instance_name are private, so the instance
//     shares no socket, pid file or instance registry with a system
//     Dovecot or with other test servers.
//   - Users come from a passwd-file with {PLAIN} passwords; their uid/gid
//     is the unprivileged mail user, because Dovecot will not run mail
//     processes as root.
//   - Plaintext LOGIN/AUTHENTICATE PLAIN is allowed without TLS (loopback
//     only). Failed logins are answered without the configured delay
//     (auth_failure_delay=0; Dovecot still batches failure replies every
//     0.5 s) and without the per-IP auth penalty, which would otherwise
//     hold back every login from 127.0.0.1 by 2, 4, 8, then 15 s after a
//     few failures, correct passwords included. The penalty is kept in
//     the anvil service; its socket gets mode 0 so that the (unprivileged)
//     auth service cannot reach it, and Dovecot then skips the penalty.
//   - Mail is stored as mdbox (or Maildir, Options.Maildir) with
//     mail_fsync=never; a generous per-user connection limit allows many
//     parallel clients.
func (s *Server) config(opts Options, port, tlsPort int) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	yesNo := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	dir := s.Dir
	w("# Private Dovecot instance for one test; 127.0.0.1 only.")
	w("instance_name = %s", s.instance)
	w("login_greeting = %s ready.", s.instance)
	w("base_dir = %s", filepath.Join(dir, "run"))
	w("state_dir = %s", filepath.Join(dir, "state"))
	w("log_path = %s", s.LogFile)
	w("info_log_path = %s", s.LogFile)
	w("debug_log_path = %s", s.LogFile)
	w("auth_verbose = %s", yesNo(opts.Verbose))
	w("auth_debug = %s", yesNo(opts.Verbose))
	w("mail_debug = %s", yesNo(opts.Verbose))
	w("verbose_proctitle = yes")
	w("")
	w("protocols = imap")
	w("listen = 127.0.0.1")
	w("shutdown_clients = yes")
	w("")
	w("disable_plaintext_auth = no")
	w("auth_mechanisms = plain login")
	w("auth_failure_delay = %dms", opts.AuthFailureDelay.Milliseconds())
	if opts.TLS {
		w("ssl = yes")
		w("ssl_cert = <%s", filepath.Join(dir, "cert.pem"))
		w("ssl_key = <%s", filepath.Join(dir, "key.pem"))
		w("ssl_min_protocol = TLSv1.2")
	} else {
		w("ssl = no")
	}
	users := filepath.Join(dir, "users")
	w("passdb {")
	w("  driver = passwd-file")
	w("  args = scheme=PLAIN username_format=%%u %s", users)
	w("}")
	w("userdb {")
	w("  driver = passwd-file")
	w("  args = username_format=%%u %s", users)
	w("}")
	w("")
	w("first_valid_uid = 1")
	w("first_valid_gid = 1")
	if opts.Maildir {
		w("mail_location = maildir:~/Maildir")
	} else {
		w("mail_location = mdbox:~/mdbox")
	}
	w("mail_fsync = never")
	w("namespace inbox {")
	w("  inbox = yes")
	w("  separator = /")
	w("}")
	w("mail_max_userip_connections = 500")
	w("")
	w("service imap-login {")
	w("  inet_listener imap {")
	w("    address = 127.0.0.1")
	w("    port = %d", port)
	w("  }")
	w("  inet_listener imaps {")
	if tlsPort != 0 {
		w("    address = 127.0.0.1")
		w("    port = %d", tlsPort)
		w("    ssl = yes")
	} else {
		w("    port = 0")
	}
	w("  }")
	// One long-lived login process handles all connections.
	w("  service_count = 0")
	w("  process_min_avail = 1")
	w("}")
	w("service imap {")
	w("  process_limit = 512")
	w("}")
	// No auth penalty: see above.
	w("service anvil {")
	w("  unix_listener anvil-auth-penalty {")
	w("    mode = 0")
	w("  }")
	w("}")
	w("protocol lda {")
	w("  postmaster_address = postmaster@localhost")
	w("}")
	if opts.ExtraConfig != "" {
		w("# Options.ExtraConfig")
		w("%s", opts.ExtraConfig)
	}
	return b.String()
}

// selfSignedCert returns a PEM certificate and PKCS#8 key (ECDSA P-256)
// for localhost and 127.0.0.1, valid from an hour ago for a week.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"helpdesk imaptest"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	return certPEM, keyPEM, nil
}

func clientTLSConfig(certPEM []byte) *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}
