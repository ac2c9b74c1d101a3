package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"
)

const dialTimeout = 30 * time.Second

// open dials o.Address in o.TLS mode and logs in. tap, when not nil, sees
// the raw protocol after TLS (see idleWatch). The watchdog it returns is
// armed with o.CommandTimeout; the caller stops it after closing the
// client.
func open(ctx context.Context, o *Options, handler *imapclient.UnilateralDataHandler, tap io.Writer) (*imapclient.Client, *watchdog, error) {
	switch o.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		// Never fall back to plain text on a typo.
		return nil, nil, fmt.Errorf("tls mode %q is not %s, %s or %s", o.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}
	if o.Auth != AuthLogin && o.Auth != AuthPlain {
		return nil, nil, fmt.Errorf("auth %q is not %s or %s", o.Auth, AuthLogin, AuthPlain)
	}
	var conf *tls.Config
	if o.TLS != TLSNone {
		var err error
		if conf, err = tlsConfig(o); err != nil {
			return nil, nil, err
		}
	}
	d := &net.Dialer{Timeout: dialTimeout} // keep-alives find a dead peer
	conn, err := d.DialContext(ctx, "tcp", o.Address)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", o.Address, err)
	}
	w := newWatchdog(ctx, o.LogoutTimeout, func() { conn.Close() })
	w.arm(o.CommandTimeout)
	fail := func(err error) (*imapclient.Client, *watchdog, error) {
		conn.Close()
		w.stop()
		return nil, nil, err
	}

	if o.TLS == TLSImplicit {
		tc := tls.Client(conn, conf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(fmt.Errorf("tls handshake with %s: %w", o.Address, err))
		}
		conn = tc
	}
	copts := &imapclient.Options{
		TLSConfig:             conf,
		UnilateralDataHandler: handler,
		// Subjects in ENVELOPE come in any charset, not only UTF-8/Latin-1.
		WordDecoder: &mime.WordDecoder{CharsetReader: charset.Reader},
		DebugWriter: tap,
	}
	var c *imapclient.Client
	if o.TLS == TLSStartTLS {
		if c, err = imapclient.NewStartTLS(conn, copts); err != nil {
			return fail(fmt.Errorf("starttls with %s: %w", o.Address, err))
		}
	} else {
		c = imapclient.New(conn, copts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return fail(fmt.Errorf("greeting from %s: %w", o.Address, err))
	}
	if err := login(c, o); err != nil {
		c.Close()
		return fail(err)
	}
	return c, w, nil
}

// tlsConfig checks the server against the system roots plus o.CAFile.
func tlsConfig(o *Options) (*tls.Config, error) {
	name := o.ServerName
	if name == "" {
		host, _, err := net.SplitHostPort(o.Address)
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", o.Address, err)
		}
		name = host
	}
	conf := &tls.Config{ServerName: name, MinVersion: tls.VersionTLS12}
	if o.TLS == TLSImplicit {
		conf.NextProtos = []string{"imap"} // as imapclient.DialTLS does
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", o.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// login says "login refused" only when the server answered NO or BAD;
// a broken connection is not a wrong password.
func login(c *imapclient.Client, o *Options) error {
	var err error
	if o.Auth == AuthPlain {
		err = c.Authenticate(sasl.NewPlainClient("", o.Username, o.Password))
	} else {
		err = c.Login(o.Username, o.Password).Wait()
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		return fmt.Errorf("login refused for user %s: %w", o.Username, err)
	}
	if err != nil {
		return fmt.Errorf("login as %s: %w", o.Username, err)
	}
	return nil
}

// selectMailbox selects (or, readOnly, examines) the mailbox.
func selectMailbox(c *imapclient.Client, name string, readOnly bool) (*imap.SelectData, error) {
	data, err := c.Select(name, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
	if missingMailbox(err) {
		return nil, fmt.Errorf("mailbox %s does not exist: %w", name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("select mailbox %s: %w", name, err)
	}
	return data, nil
}

// missingMailbox reports whether err is the server's answer that the
// mailbox named in the command does not exist: a NO with the response
// code NONEXISTENT (RFC 5530) or TRYCREATE (RFC 3501, for the target of
// COPY, MOVE and APPEND), or, since many servers send neither, a NO whose
// text says so. A broken connection or any other refusal is not.
func missingMailbox(err error) bool {
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeNo {
		return false
	}
	if ie.Code == imap.ResponseCodeNonExistent || ie.Code == imap.ResponseCodeTryCreate {
		return true
	}
	// A typographic apostrophe counts as "'".
	text := strings.ToLower(strings.ReplaceAll(ie.Text, "\u2019", "'"))
	for _, phrase := range missingPhrases {
		if strings.Contains(text, phrase) {
			return true
		}
	}
	return false
}

// missingPhrases are what servers say, lower-cased, when a mailbox does
// not exist and they send no response code for it.
var missingPhrases = []string{
	"doesn't exist",   // Dovecot: "Mailbox doesn't exist: X"
	"does not exist",  // Cyrus, Courier: "Mailbox does not exist"
	"no such mailbox", // UW IMAP, go-imap's server
	"no such folder",
	"unknown mailbox", // Gmail: "Unknown Mailbox: X (Failure)"
	"unknown folder",
	"mailbox not found",
	"folder not found",
	"could not be found", // Exchange: "The specified folder could not be found in the store"
}
