package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestConfig_NoticeLimits: [limits] commands_per_mail, quote_bytes and
// references reach core, from the file or the environment; zero keeps
// the default, and values outside their range are refused by name.
func TestConfig_NoticeLimits(t *testing.T) {
	cases := []struct {
		name string
		file string
		env  []string
		want core.MailLimits
		err  string
	}{
		{"defaults", "", nil, core.MailLimits{}, ""},
		{"file", "[limits]\ncommands_per_mail = 3\nquote_bytes = 500\nreferences = 4\n", nil,
			core.MailLimits{CommandsPerMail: 3, QuoteBytes: 500, References: 4}, ""},
		{"environment", "", []string{"HELPDESK_LIMITS_COMMANDS_PER_MAIL=5", "HELPDESK_LIMITS_REFERENCES=20"},
			core.MailLimits{CommandsPerMail: 5, References: 20}, ""},
		{"too many commands", "[limits]\ncommands_per_mail = 1000\n", nil, core.MailLimits{}, "limits.commands_per_mail"},
		{"negative", "[limits]\ncommands_per_mail = -1\n", nil, core.MailLimits{}, "limits.commands_per_mail"},
		{"tiny quote", "[limits]\nquote_bytes = 10\n", nil, core.MailLimits{}, "limits.quote_bytes"},
		{"huge quote", "[limits]\nquote_bytes = 100000\n", nil, core.MailLimits{}, "limits.quote_bytes"},
		{"one reference", "[limits]\nreferences = 1\n", nil, core.MailLimits{}, "limits.references"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path, c.env)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want it to name %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Limits.mailLimits(); got != c.want {
				t.Fatalf("limits %+v, want %+v", got, c.want)
			}
		})
	}
}
