package main

import (
	"fmt"

	"helpdesk/core"
	"helpdesk/gateway"
)

// senderLine is a message's sender check in `ticket show`.
func senderLine(a *core.Auth) string {
	mark := ""
	if !a.Authenticated() {
		mark = "⚠ "
	}
	j := gateway.AuthViewOf(a)
	return fmt.Sprintf("%ssender %s: %s (dmarc=%s spf=%s dkim=%s)", mark, j.Domain, a, j.DMARC, j.SPF, j.DKIM)
}
