package main

import (
	"log/slog"
	"strings"
)

// secretKeys are the parts of attribute keys whose values are never
// logged. Components do not log credentials to begin with; this is the
// net under them (a config value or an options struct logged whole).
var secretKeys = []string{"password", "passwd", "secret", "token", "authorization"}

// redact is the logger's ReplaceAttr: it blanks the value of any
// attribute whose key names a secret, however deep in a group.
func redact(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "[redacted]")
		}
	}
	return a
}
