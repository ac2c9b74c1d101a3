package gateway

import (
	"log/slog"
	"strings"
)

// secretKeys are the parts of attribute keys whose values are never
// logged. Components do not log credentials to begin with; this is the
// net under them (a config value or an options struct logged whole).
var secretKeys = []string{"password", "passwd", "secret", "token", "authorization"}

// Redact is the logger's ReplaceAttr: it blanks the value of any
// attribute whose key names a secret, however deep in a group.
func Redact(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "[redacted]")
		}
	}
	return a
}
