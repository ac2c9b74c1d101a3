package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "helpdesk.toml")
	os.WriteFile(file, []byte(`
domain = "help.shop.example"
secret = "s"
[smtp]
listen = "127.0.0.1:2600"
[outbox]
poll_interval = "2s"
[[imap]]
name = "support"
address = "127.0.0.1:10143"
username = "support"
password = "secret"
[[imap]]
name = "sales"
address = "imap.example.com:993"
tls = "implicit"
idle = false
poll_interval = "1m"
[departments.billing]
slack_channel = "C0BILL"
addresses = ["billing@help.shop.example"]
[departments.support]
slack_channel = "C0SUP"
`), 0o600)

	t.Run("defaults", func(t *testing.T) {
		c, err := LoadConfig("", nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Store.Path != "helpdesk.db" || c.SMTP.Listen != "127.0.0.1:2525" || c.HTTP.Listen != "127.0.0.1:8025" ||
			c.Mail.Relay != "" || c.Mail.Dir != "outbox-mail" || c.Slack.Token != "" {
			t.Fatalf("defaults %+v", c)
		}
		if got := c.Departments["support"].Addresses; len(got) != 1 || got[0] != "support@support.example.com" {
			t.Fatalf("support addresses %v", got)
		}
	})
	t.Run("file and environment", func(t *testing.T) {
		c, err := LoadConfig(file, []string{"HELPDESK_SMTP_LISTEN=127.0.0.1:2700", "HELPDESK_SECRET=env", "HELPDESK_OUTBOX_POLL_INTERVAL=3s", "PATH=/bin", "HELPDESK_CORPUS=/x"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Domain != "help.shop.example" || c.SMTP.Listen != "127.0.0.1:2700" || c.Secret != "env" ||
			c.Outbox.PollInterval.Duration != 3*time.Second {
			t.Fatalf("config %+v", c)
		}
		if len(c.IMAP) != 2 {
			t.Fatalf("imap %+v", c.IMAP)
		}
		if m := c.IMAP[0]; m.TLS != "none" || m.Auth != "login" || m.Mailbox != "INBOX" || !*m.IDLE || m.PollInterval.Duration != 30*time.Second {
			t.Fatalf("imap defaults %+v", m)
		}
		if m := c.IMAP[1]; m.TLS != "implicit" || *m.IDLE || m.PollInterval.Duration != time.Minute {
			t.Fatalf("imap %+v", m)
		}
		// A file's departments replace the built-in ones.
		if names := strings.Join(c.DepartmentNames(), ","); names != "support,billing" {
			t.Fatalf("departments %s, want support,billing", names)
		}
		if got := c.Departments["support"].Addresses[0]; got != "support@help.shop.example" {
			t.Fatalf("support address %s", got)
		}
	})
	for _, c := range []struct {
		name, file string
		env        []string
		want       string
	}{
		{"unknown key", "domian = \"x\"\n", nil, "unknown key domian"},
		{"bad duration", "[outbox]\npoll_interval = \"soon\"\n", nil, "poll_interval"},
		{"bad from", "[mail]\nfrom = \"not an address\"\n", nil, "mail.from"},
		{"bad return path", "[mail]\nreturn_path = \"verp\"\n", nil, `mail.return_path "verp" is not signed or from`},
		{"imap without name", "[[imap]]\naddress = \"x:1\"\n", nil, "name is empty"},
		{"imap bad tls", "[[imap]]\nname = \"a\"\naddress = \"x:1\"\ntls = \"ssl\"\n", nil, "not none, starttls or implicit"},
		{"unknown variable", "", []string{"HELPDESK_SMTP_LISTNE=x"}, "HELPDESK_SMTP_LISTNE"},
		{"bad number", "", []string{"HELPDESK_SMTP_MAX_MESSAGE_BYTES=lots"}, "HELPDESK_SMTP_MAX_MESSAGE_BYTES"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.toml")
			os.WriteFile(path, []byte(c.file), 0o600)
			_, err := LoadConfig(path, c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want it to mention %q", err, c.want)
			}
		})
	}
}

// [mail] return_path picks the envelope sender of every mail: each
// mail's own signed bounce address by default, or the From address; and
// `channel verify relay` tries that form.
func TestConfig_ReturnPath(t *testing.T) {
	for _, c := range []struct {
		value, env string
		unsigned   bool
		verify     string
	}{
		{"", "", false, "bounces+verify@support.example.com"},
		{"signed", "", false, "bounces+verify@support.example.com"},
		{"from", "", true, "support@support.example.com"},
		{"", "HELPDESK_MAIL_RETURN_PATH=from", true, "support@support.example.com"},
	} {
		path := filepath.Join(t.TempDir(), "c.toml")
		os.WriteFile(path, []byte("[mail]\nreturn_path = \""+c.value+"\"\n"), 0o600)
		var env []string
		if c.env != "" {
			env = []string{c.env}
		}
		cfg, err := LoadConfig(path, env)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Mail.ReturnPath == ReturnPathFrom; got != c.unsigned {
			t.Errorf("return_path %q (%s): unsigned %v, want %v", c.value, c.env, got, c.unsigned)
		}
		if got := cfg.returnPathExample("support@support.example.com"); got != c.verify {
			t.Errorf("return_path %q (%s): verify with %s, want %s", c.value, c.env, got, c.verify)
		}
	}
}
