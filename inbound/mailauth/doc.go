// Package mailauth decides whether the sender of an inbound message is who
// its From header says: SPF (RFC 7208), DKIM (RFC 6376) and DMARC
// (RFC 7489) checked here, or the verdict of a trusted MTA read from its
// Authentication-Results field (RFC 8601). Mail commands move money and
// change tickets, so they must only be obeyed from an Authenticated sender.
//
// # Use
//
//	dns, _ := mailauth.NewResolver(cfg.Auth.DNS, 0)
//	res := mailauth.NewCachingResolver(dns, mailauth.CacheOptions{})
//	v := mailauth.New(res, mailauth.Options{})
//	r := v.Verify(ctx, mailauth.Input{RemoteIP: ip, HELO: helo,
//		MailFrom: from, Message: raw, FromDomain: email.From.Domain})
//	if r.Authenticated() { … }
//
// or, behind an MTA that checks mail already:
//
//	r, ok := mailauth.FromAuthenticationResults(fields, cfg.Auth.AuthservID)
//
// # Outcomes
//
// Each mechanism ends in one of four outcomes, which are also the stored
// JSON values. The RFCs have more results; they map as follows:
//
//	RFC result   Outcome    why
//	pass         pass
//	fail         fail
//	softfail     fail       the domain says the host is not authorized
//	permerror    fail       a broken record or key; a retry cannot help
//	policy       fail       (Authentication-Results) rejected by local policy
//	neutral      none       RFC 7208 8.2: treat exactly like none
//	none         none
//	temperror    temperror  DNS did not answer in time or SERVFAIL; retry
//
// For DKIM, a missing key (NXDOMAIN) is a permerror and so fail; a key
// lookup that timed out is temperror. With several signatures one that
// verifies makes DKIM pass. DMARC is none without a record (at the From
// domain or its organizational domain), pass when SPF or DKIM passed for an
// aligned domain, temperror when it could not pass only because something
// failed temporarily, and fail otherwise; Policy then says what the domain
// asks for (p=, or sp= for a subdomain covered by its organizational
// domain's record).
//
// # Bounds
//
// A hostile sender controls the message and the DNS of its own domains.
// Every lookup ends by ctx's deadline and a per-lookup timeout, and Verify
// as a whole by Options.Timeout; DKIM verifies at most
// Options.MaxSignatures signatures and skips messages over
// Options.MaxMessageBytes; SPF stops at RFC 7208's 10 DNS lookups.
//
// # Caching
//
// CachingResolver keeps answers, found or not found, for a fixed time
// (net.Resolver does not expose record TTLs) and a bounded number of names,
// and makes one query for concurrent lookups of the same name. Failures
// are never kept.
package mailauth
