package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"helpdesk/gateway"
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
	k := gateway.DKIMKeygen{Alg: *alg, File: *out, Selector: *selector, Domain: *domain}.WithDefaults(cfg)
	if k.Alg != "rsa" && k.Alg != "ed25519" {
		return usageError{fmt.Sprintf("--alg %q: want rsa or ed25519", k.Alg)}
	}
	txt, err := k.Write()
	if err != nil {
		return err
	}
	name := k.RecordName()
	fmt.Fprintf(stdout, "wrote %s (%s private key, mode 0600)\n\n", k.File, k.Alg)
	fmt.Fprintf(stdout, "Publish this DNS TXT record:\n  name:  %s\n  value: %s\n\n", name, txt)
	fmt.Fprintf(stdout, "In a zone file (values over 255 characters are split into strings):\n  %s. IN TXT %s\n\n", name, zoneStrings(txt))
	fmt.Fprintf(stdout, "Then set in [mail]:\n  dkim_domain = %q\n  dkim_selector = %q\n  dkim_key_file = %q\n", k.Domain, k.Selector, k.File)
	fmt.Fprintf(stdout, "and check it with `helpdesk channel verify relay` once the record is published.\n")
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
