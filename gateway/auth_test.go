package gateway

import (
	"strings"
	"testing"
	"time"

	"helpdesk/inbound/mailauth"
)

func TestConfig_ResolverCache(t *testing.T) {
	cases := []struct {
		name   string
		cache  time.Duration
		cached bool
		err    string
	}{
		{"Default", mailauth.DefaultCacheTTL, true, ""},
		{"Off", 0, false, ""},
		{"Negative", -time.Second, false, "auth.dns_cache"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Auth.DNS = "127.0.0.1:53"
			if c.name != "Default" {
				cfg.Auth.DNSCache = Duration{c.cache}
			}
			errs := cfg.validateAuth()
			if got := len(errs) > 0 && strings.Contains(errs[0].Error(), c.err); (c.err != "") != got {
				t.Fatalf("errs=%v, want one naming %q", errs, c.err)
			}
			if c.err != "" {
				return
			}
			r, err := cfg.Resolver()
			if err != nil {
				t.Fatal(err)
			}
			if _, got := r.(*mailauth.CachingResolver); got != c.cached {
				t.Fatalf("cached=%v, want %v (%T)", got, c.cached, r)
			}
		})
	}
}
