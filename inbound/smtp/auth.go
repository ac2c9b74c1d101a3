package smtp

import (
	"context"
	"net"
	"strings"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/mailauth"
)

// authenticate checks who sent a mail received in this session
// (docs/rules.md §6). With Options.TrustedAuthservID set, the verdict of
// the MTA in front, read from its Authentication-Results field, is taken
// when the mail carries one; otherwise the Verifier checks SPF, DKIM and
// DMARC itself, within half of what is left of ctx (the receive deadline),
// so that DNS that never answers costs a temperror and not the session.
// Without a Verifier it returns nil: not checked.
func (ss *session) authenticate(ctx context.Context, raw []byte, e *core.Email) *core.Auth {
	fromDomain := domainOf(e.From.Addr)
	if a, ok := mailauth.FromHeader(raw, ss.srv.opts.TrustedAuthservID, fromDomain); ok {
		return a
	}
	v := ss.srv.opts.Verifier
	if v == nil {
		return nil
	}
	budget := ss.srv.opts.ReceiveTimeout / 2
	if dl, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(dl)/2)
	}
	vctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	r := v.Verify(vctx, mailauth.Input{
		RemoteIP:   net.ParseIP(ss.ip),
		HELO:       ss.conn.Hostname(),
		MailFrom:   ss.env.Sender,
		Message:    raw,
		FromDomain: fromDomain,
	})
	return mailauth.Core(r, fromDomain)
}

// domainOf is the domain of an address, lower case; "" without one.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(addr[i+1:], "."))
}
