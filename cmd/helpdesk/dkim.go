package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"helpdesk/gateway"
	"helpdesk/outbound"
)

// cmdDKIM is `dkim keygen`: a new signing key for outbound mail, written
// 0600 to a file that must not exist yet, and the TXT record to publish.
func cmdDKIM(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 || args[0] != "keygen" {
		return usageError{"usage: dkim keygen [--alg rsa|ed25519] [--out FILE] [--selector S] [--domain D]"}
	}
	fs := flag.NewFlagSet("dkim keygen", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	alg := fs.String("alg", "rsa", "key `algorithm`: rsa (2048 bits) or ed25519")
	out := fs.String("out", "", "key `file` (default [mail] dkim_key_file, else dkim.pem)")
	selector := fs.String("selector", "", "`selector` (default [mail] dkim_selector, else hd1)")
	domain := fs.String("domain", "", "signing `domain` (default [mail] dkim_domain, else domain)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{"dkim keygen takes no arguments"}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	*out = firstOf(*out, cfg.Mail.DKIMKeyFile, "dkim.pem")
	*selector = firstOf(*selector, cfg.Mail.DKIMSelector, "hd1")
	*domain = firstOf(*domain, cfg.Mail.DKIMDomain, cfg.Domain)
	if *alg != "rsa" && *alg != "ed25519" {
		return usageError{fmt.Sprintf("--alg %q: want rsa or ed25519", *alg)}
	}
	pemBytes, txt, err := outbound.GenerateDKIMKey(*alg)
	if err != nil {
		return err
	}
	if err := writeNew(*out, pemBytes); err != nil {
		return err
	}
	name := *selector + "._domainkey." + *domain
	fmt.Fprintf(stdout, "wrote %s (%s private key, mode 0600)\n\n", *out, *alg)
	fmt.Fprintf(stdout, "Publish this DNS TXT record:\n  name:  %s\n  value: %s\n\n", name, txt)
	fmt.Fprintf(stdout, "In a zone file (values over 255 characters are split into strings):\n  %s. IN TXT %s\n\n", name, zoneStrings(txt))
	fmt.Fprintf(stdout, "Then set in [mail]:\n  dkim_domain = %q\n  dkim_selector = %q\n  dkim_key_file = %q\n", *domain, *selector, *out)
	fmt.Fprintf(stdout, "and check it with `helpdesk channel verify relay` once the record is published.\n")
	return nil
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

// zoneStrings writes a TXT value as zone-file character-strings of at
// most 255 bytes each.
func zoneStrings(v string) string {
	var parts []string
	for len(v) > 255 {
		parts = append(parts, v[:255])
		v = v[255:]
	}
	parts = append(parts, v)
	return `( "` + strings.Join(parts, `" "`) + `" )`
}

// verifyDKIM checks that the key [mail] dkim_key_file signs with is the
// one published at selector._domainkey.domain. When DNS cannot be reached
// it says so and does not fail: the check is then left to do.
func verifyDKIM(ctx context.Context, cfg *gateway.Config, w io.Writer) error {
	signer, err := cfg.DKIMSigner()
	if err != nil {
		return fmt.Errorf("dkim: %w", err)
	}
	if signer == nil {
		fmt.Fprintln(w, "dkim: off (mail.dkim_domain is empty): mail goes out unsigned")
		return nil
	}
	want, err := outbound.DKIMRecord(signer.Public())
	if err != nil {
		return fmt.Errorf("dkim: %w", err)
	}
	res, err := cfg.Resolver()
	if err != nil {
		return err
	}
	name := signer.RecordName()
	txts, err := res.LookupTXT(ctx, name)
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return fmt.Errorf("dkim: no TXT record at %s; publish %q (see `helpdesk dkim keygen`)", name, want)
	case err != nil:
		fmt.Fprintf(w, "dkim %s: not checked, DNS did not answer: %v\n", name, err)
		return nil
	}
	wantKey := dkimTag(want, "p")
	for _, txt := range txts {
		if dkimTag(txt, "p") == wantKey {
			fmt.Fprintf(w, "dkim %s: ok: the published key is the one in %s\n", name, cfg.Mail.DKIMKeyFile)
			return nil
		}
	}
	return fmt.Errorf("dkim: the record at %s does not hold the key in %s: publish %q", name, cfg.Mail.DKIMKeyFile, want)
}

// dkimTag is the value of tag in a DKIM key record (RFC 6376 section
// 3.6.1), with its white space removed; "" when absent.
func dkimTag(record, tag string) string {
	for _, kv := range strings.Split(record, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.TrimSpace(k) == tag {
			return strings.Join(strings.Fields(v), "")
		}
	}
	return ""
}
