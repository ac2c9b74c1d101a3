package main

import (
	"fmt"

	"helpdesk/core"
)

// authJSON is a message's sender check in `ticket show --json`: dmarc,
// spf and dkim are each pass, fail, none or temperror (DESIGN.md).
type authJSON struct {
	DMARC         string `json:"dmarc"`
	SPF           string `json:"spf"`
	DKIM          string `json:"dkim"`
	Domain        string `json:"domain"`
	Policy        string `json:"policy,omitempty"`
	Authenticated bool   `json:"authenticated"`
}

func toAuthJSON(a *core.Auth) *authJSON {
	if a == nil {
		return nil
	}
	or := func(s string) string {
		if s == "" {
			return core.AuthNone
		}
		return s
	}
	return &authJSON{DMARC: or(a.DMARC), SPF: or(a.SPF), DKIM: or(a.DKIM), Domain: a.Domain,
		Policy: a.Policy, Authenticated: a.Authenticated()}
}

// senderLine is a message's sender check in `ticket show`.
func senderLine(a *core.Auth) string {
	mark := ""
	if !a.Authenticated() {
		mark = "⚠ "
	}
	j := toAuthJSON(a)
	return fmt.Sprintf("%ssender %s: %s (dmarc=%s spf=%s dkim=%s)", mark, j.Domain, a, j.DMARC, j.SPF, j.DKIM)
}
