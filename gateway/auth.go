package gateway

import (
	"errors"
	"fmt"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/mailauth"
	"helpdesk/outbound"
)

// AuthConfig is the [auth] table: how the senders of inbound mail are
// checked (docs/rules.md §6).
type AuthConfig struct {
	// TrustedAuthservID is the authserv-id of an MTA in front whose
	// Authentication-Results field is believed: over SMTP instead of
	// checking when the mail carries one, over IMAP the only source.
	TrustedAuthservID string `toml:"trusted_authserv_id"`
	// DNS is the resolver, host:port; "" means the system's.
	DNS string `toml:"dns"`
	// DNSCache is how long the checks keep a DNS answer (a missing
	// record at most 30 s of it); 60 s by default, 0 turns the cache
	// off.
	DNSCache Duration `toml:"dns_cache"`
}

// Bounds on the sender check's DNS: one lookup, and one mail's whole
// check (the SMTP listener also keeps it within half its receive
// deadline).
const (
	dnsLookupTimeout = 5 * time.Second
	verifyTimeout    = 10 * time.Second
)

// Resolver is the one DNS resolver of the gateway, for the sender checks
// and `channel verify`, built from [auth] dns with bounded lookups and,
// unless [auth] dns_cache is 0, answers cached: mail comes again and
// again from the same domains, and SPF alone costs several lookups a
// mail.
func (c *Config) Resolver() (mailauth.Resolver, error) {
	r, err := mailauth.NewResolver(c.Auth.DNS, dnsLookupTimeout)
	if err != nil {
		return nil, fmt.Errorf("auth.dns: %w", err)
	}
	ttl := c.Auth.DNSCache.Duration
	if ttl <= 0 {
		return r, nil
	}
	return mailauth.NewCachingResolver(r, mailauth.CacheOptions{TTL: ttl,
		NegativeTTL: min(ttl, mailauth.DefaultCacheNegativeTTL)}), nil
}

// checksSenders reports whether any department wants senders checked.
func (c *Config) checksSenders() bool {
	for _, d := range c.Departments {
		if d.Authentication != core.AuthenticationOff {
			return true
		}
	}
	return false
}

// DKIMSigner reads the [mail] DKIM key; nil when dkim_domain is empty.
func (c *Config) DKIMSigner() (*outbound.DKIMSigner, error) {
	if c.Mail.DKIMDomain == "" {
		return nil, nil
	}
	s, err := outbound.NewDKIMSigner(c.Mail.DKIMDomain, c.Mail.DKIMSelector, c.Mail.DKIMKeyFile)
	if err != nil {
		return nil, fmt.Errorf("mail.dkim_key_file: %w", err)
	}
	return s, nil
}

func (c *Config) validateAuth() []error {
	var errs []error
	for _, name := range c.DepartmentNames() {
		if a := c.Departments[name].Authentication; !core.ValidAuthentication(a) {
			errs = append(errs, fmt.Errorf("departments.%s.authentication %q is not off, commands or strict", name, a))
		}
	}
	if _, err := c.Resolver(); err != nil {
		errs = append(errs, err)
	}
	if c.Auth.DNSCache.Duration < 0 {
		errs = append(errs, fmt.Errorf("auth.dns_cache %v is negative; 0 turns the cache off", c.Auth.DNSCache.Duration))
	}
	if c.Mail.DKIMDomain != "" && (c.Mail.DKIMSelector == "" || c.Mail.DKIMKeyFile == "") {
		errs = append(errs, errors.New("mail.dkim_domain needs mail.dkim_selector and mail.dkim_key_file"))
	}
	return errs
}

// senderVerifier is the SMTP listener's sender check over the gateway's
// one resolver; nil when every department has authentication off.
func (a *App) senderVerifier() (*mailauth.Verifier, error) {
	if !a.cfg.checksSenders() {
		return nil, nil
	}
	res, err := a.cfg.Resolver()
	if err != nil {
		return nil, err
	}
	return mailauth.New(res, mailauth.Options{Timeout: verifyTimeout,
		Logger: a.log.With("component", "mailauth")}), nil
}
