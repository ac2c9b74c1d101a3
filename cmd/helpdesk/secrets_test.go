package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helpdesk/gateway"
	"helpdesk/store"
)

// Every secret can come from a *_file (refused when world-readable) and
// from the environment.
func TestLoadConfig_SecretFiles(t *testing.T) {
	dir := t.TempDir()
	secret := func(name, value string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(value+"\n"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode) // past the umask
		return p
	}
	cfgFile := filepath.Join(dir, "helpdesk.toml")
	conf := func(body string) string {
		t.Helper()
		os.WriteFile(cfgFile, []byte(body), 0o600)
		return cfgFile
	}
	t.Run("OK", func(t *testing.T) {
		path := conf(`secret_file = "` + secret("secret", "file-secret", 0o600) + `"
[slack]
token_file = "` + secret("token", "xoxb-file", 0o640) + `"
signing_secret_file = "` + secret("signing", "sign-file", 0o600) + `"
app_token_file = "` + secret("app", "xapp-file", 0o600) + `"
[http]
token_file = "` + secret("http", "http-file", 0o600) + `"
[[imap]]
name = "box"
address = "127.0.0.1:143"
password_file = "` + secret("imap", "imap-file", 0o600) + `"
[[imap]]
name = "sales-2"
address = "127.0.0.1:143"
`)
		env := []string{"HELPDESK_IMAP_SALES_2_PASSWORD=imap-env", "HELPDESK_MAIL_RELAY_PASSWORD_FILE=" + secret("relay", "relay-file", 0o600),
			"HELPDESK_MAIL_RELAY_USERNAME=u"}
		c, err := gateway.LoadConfig(path, env)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{c.Secret, c.Slack.Token, c.Slack.SigningSecret, c.Slack.AppToken, c.HTTP.Token, c.IMAP[0].Password, c.IMAP[1].Password, c.Mail.RelayPassword}
		want := []string{"file-secret", "xoxb-file", "sign-file", "xapp-file", "http-file", "imap-file", "imap-env", "relay-file"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("secrets %v, want %v", got, want)
		}
	})
	for _, c := range []struct {
		name, body string
		env        []string
		want       string
	}{
		{"ErrWorldReadable", `[slack]
token_file = "` + secret("open", "xoxb", 0o644) + `"`, nil, "slack.token_file: " + filepath.Join(dir, "open") + " is readable by everyone"},
		{"ErrWorldReadableSMTP", `[smtp]
auth_username = "mta"
auth_password_file = "` + secret("open-smtp", "pw", 0o604) + `"`, nil, "smtp.auth_password_file: " + filepath.Join(dir, "open-smtp") + " is readable by everyone"},
		{"ErrBoth", `[http]
token = "inline"
token_file = "` + secret("tok2", "file", 0o600) + `"`, nil, "http.token and its _file are both set"},
		{"ErrEnvNoMailbox", ``, []string{"HELPDESK_IMAP_NOPE_PASSWORD=x"}, "HELPDESK_IMAP_NOPE_PASSWORD names no [[imap]] mailbox"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := gateway.LoadConfig(conf(c.body), c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

// A mailbox added at run time keeps its password sealed: neither the
// database file nor a backup holds it, `channel list --json` shows none,
// serve opens it, and with another secret the error says what to do.
func TestChannelAdd_Sealed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const password = "imap-pw-sealed-8c1f"
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	writeCfg := func(secret string) {
		os.WriteFile(cfgPath, []byte(`secret = "`+secret+`"
[store]
path = "`+filepath.Join(dir, "h.db")+`"
`), 0o600)
	}
	writeCfg("first-secret")
	cli := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(ctx, append(args, "--config", cfgPath), &out, &out, nil)
		return out.String(), err
	}
	if out, err := cli("", "migrate"); err != nil {
		t.Fatalf("migrate: %v: %s", err, out)
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(password+"\n"), 0o600)
	if out, err := cli("", "channel", "add", "box", "--address", "127.0.0.1:1", "--username", "u", "--password-file", pw, "--disabled"); err != nil {
		t.Fatalf("add: %v: %s", err, out)
	}
	backup := filepath.Join(dir, "backup.db")
	if out, err := cli("", "backup", backup); err != nil {
		t.Fatalf("backup: %v: %s", err, out)
	}
	out, err := cli("", "channel", "list", "--json")
	if err != nil || strings.Contains(out, password) || strings.Contains(strings.ToLower(out), "password") {
		t.Fatalf("channel list --json: %v:\n%s", err, out)
	}
	for _, f := range []string{"h.db", "h.db-wal", "backup.db"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil && f == "h.db-wal" {
			continue
		}
		if err != nil || bytes.Contains(b, []byte(password)) {
			t.Fatalf("%s: %v, or it holds the password", f, err)
		}
	}

	cfg, db, err := (&common{config: cfgPath}).open(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.Channels(ctx)
	var chs []store.Channel
	for _, c := range all {
		if c.Name == "box" {
			chs = append(chs, c)
		}
	}
	if err != nil || len(chs) != 1 {
		t.Fatalf("channels %+v, %v", all, err)
	}
	if !strings.Contains(string(chs[0].Settings), store.SealPrefix) {
		t.Fatalf("settings %s: the password is not sealed", chs[0].Settings)
	}
	m, err := gateway.ChannelIMAP(cfg, chs[0])
	if err != nil || m.Password != password {
		t.Fatalf("opened %q, %v", m.Password, err)
	}

	t.Run("ErrAnotherSecret", func(t *testing.T) {
		writeCfg("second-secret")
		defer writeCfg("first-secret")
		if out, err := cli("", "channel", "update", "box", "--mailbox", "X"); err == nil ||
			!strings.Contains(err.Error(), "sealed with another secret; run helpdesk channel update box --password-file F") {
			t.Fatalf("update without a password under another secret: %v: %s", err, out)
		}
		if out, err := cli("", "channel", "update", "box", "--password-file", pw); err != nil {
			t.Fatalf("update with a new password under another secret: %v: %s", err, out)
		}

		other := *cfg
		other.Secret = "second-secret"
		_, err := gateway.ChannelIMAP(&other, chs[0])
		want := "channel box: its password was sealed with another secret; run helpdesk channel update box --password-file F"
		if err == nil || err.Error() != want {
			t.Fatalf("err %v, want %q", err, want)
		}
	})
	t.Run("PlainRow", func(t *testing.T) {
		old, _ := json.Marshal(map[string]any{"version": 1, "address": "127.0.0.1:1", "tls": "none", "username": "u",
			"password": "old-plain", "auth": "login", "mailbox": "INBOX", "idle": true, "poll_interval": "30s"})
		if err := db.AddChannel(ctx, store.Channel{Name: "old", Kind: store.ChannelIMAP, Settings: old}); err != nil {
			t.Fatal(err)
		}
		m, err := gateway.ChannelIMAP(cfg, store.Channel{Name: "old", Kind: store.ChannelIMAP, Source: store.SourceCLI, Settings: old})
		if err != nil || m.Password != "old-plain" {
			t.Fatalf("plain row: %q, %v", m.Password, err)
		}
		// The next update seals it.
		if out, err := cli("", "channel", "update", "old", "--mailbox", "Support"); err != nil {
			t.Fatalf("update: %v: %s", err, out)
		}
		c, err := gateway.FindChannel(ctx, db, "old")
		if err != nil || !strings.Contains(string(c.Settings), store.SealPrefix) || strings.Contains(string(c.Settings), "old-plain") {
			t.Fatalf("after update %s, %v: not sealed", c.Settings, err)
		}
		if m, err := gateway.ChannelIMAP(cfg, c); err != nil || m.Password != "old-plain" || m.Mailbox != "Support" {
			t.Fatalf("after update: %+v, %v", m, err)
		}
	})
}
