package gateway

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfig_Limits pins the configuration's refusals of
// docs/operations.md, "Limits": durations below their minimum, an empty
// database path, HTTP and Slack bounds, agents of unknown departments,
// and weak secrets once a listener is beyond loopback. A refusal names
// the key, and never the secret's value.
func TestConfig_Limits(t *testing.T) {
	const strong = "0123456789abcdef0123"
	public := "[smtp]\nlisten = \"0.0.0.0:25\"\n"
	publicHTTP := "[http]\nlisten = \"0.0.0.0:8025\"\n"
	for _, c := range []struct {
		name, file string
		want       string // "" when the file loads
	}{
		{"Defaults", "", ""},
		{"OutboxPoll1ns", "[outbox]\npoll_interval = \"1ns\"\n", "outbox.poll_interval 1ns is below the minimum of 100ms"},
		{"OutboxPollZero", "[outbox]\npoll_interval = \"0s\"\n", "outbox.poll_interval must be positive"},
		{"OutboxPoll100ms", "[outbox]\npoll_interval = \"100ms\"\n", ""},
		{"RetryBaseZeroIsDefault", "[outbox]\nretry_base = \"0s\"\n", ""},
		{"RetryBase1ns", "[outbox]\nretry_base = \"1ns\"\n", "outbox.retry_base 1ns is below the minimum of 10ms"},
		{"Sweep10ms", "[sweep]\ninterval = \"10ms\"\n", "sweep.interval 10ms is below the minimum of 1s"},
		{"SMTPReadZeroIsDefault", "[smtp]\nread_timeout = \"0s\"\n", ""},
		{"SMTPWrite1ms", "[smtp]\nwrite_timeout = \"1ms\"\n", "smtp.write_timeout 1ms is below the minimum of 1s"},
		{"SMTPReadNegative", "[smtp]\nread_timeout = \"-1s\"\n", "smtp.read_timeout must be positive"},
		{"HTTPReadZero", "[http]\nread_timeout = \"0s\"\n", "http.read_timeout must be positive"},
		{"HTTPIdle1ns", "[http]\nidle_timeout = \"1ns\"\n", "http.idle_timeout 1ns is below the minimum of 100ms"},
		{"HTTPWrite50ms", "[http]\nwrite_timeout = \"50ms\"\n", "http.write_timeout 50ms is below the minimum of 100ms"},
		{"IMAPPoll1ns", "[[imap]]\nname = \"box\"\naddress = \"x:1\"\npoll_interval = \"1ns\"\n",
			`imap "box": poll_interval 1ns is below the minimum of 100ms`},
		{"StorePathEmpty", "[store]\npath = \"\"\n", "store.path is empty"},
		{"StoreDriverUnknown", "[store]\ndriver = \"mysql\"\n", `store.driver "mysql" is not "sqlite" or "postgres"`},
		{"StorePostgresNoDSN", "[store]\ndriver = \"postgres\"\n", `store.driver is "postgres" but store.dsn is empty`},
		{"StorePostgresBadDSN", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://h:notaport/db\"\n", "store.dsn:"},
		{"StoreDSNWithoutPostgres", "[store]\ndsn = \"postgres://h/db\"\n", `store.dsn is set but store.driver is "sqlite"`},
		{"StorePostgres", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://helpdesk@127.0.0.1:5432/helpdesk\"\n", ""},
		{"MaxConnectionsZero", "[http]\nmax_connections = 0\n", "http.max_connections 0 must be at least 1"},
		{"SlackBodyTiny", "[slack]\nmax_body_bytes = 100\n", "slack.max_body_bytes 100 is below the minimum"},
		{"ResponseHostsEmpty", "[slack]\nresponse_url_hosts = []\n", "slack.response_url_hosts is empty"},
		{"ResponseHostURL", "[slack]\nresponse_url_hosts = [\"https://hooks.slack.com\"]\n", `"https://hooks.slack.com" is not a host name`},
		{"ResponseHostLoopback", "[slack]\nresponse_url_hosts = [\"127.0.0.1\", \"*.slack.com\"]\n", ""},
		{"AgentUnknownDepartment", "[[agents]]\nid = \"U1\"\ndepartments = [\"suport\"]\n", `agents "U1": department "suport" is not configured`},

		{"LoopbackShortSecret", "secret = \"change-me\"\n", ""},
		{"PublicShortSecret", "secret = \"change-me\"\n" + public, "secret has 9 characters; smtp.listen 0.0.0.0:25 is not loopback, so it must have at least 16"},
		{"PublicBuiltinSecret", public, "smtp.listen 0.0.0.0:25 is not loopback: set secret"},
		{"PublicStrongSecret", "secret = \"" + strong + "\"\n" + public, ""},
		{"PublicHTTPNoToken", "secret = \"" + strong + "\"\n" + publicHTTP, "http.listen 0.0.0.0:8025 is not loopback: set http.token"},
		{"PublicHTTPShortToken", "secret = \"" + strong + "\"\n" + publicHTTP + "token = \"change-me\"\n",
			"http.token has 9 characters; http.listen 0.0.0.0:8025 is not loopback"},
		{"PublicHTTPShortSecret", "secret = \"change-me\"\n" + publicHTTP + "token = \"" + strong + "\"\n", "secret has 9 characters"},
		{"PublicHTTPShortSigning", "secret = \"" + strong + "\"\n" + publicHTTP + "token = \"" + strong + "\"\n" +
			"[slack]\ntoken = \"xoxb-1\"\nsigning_secret = \"change-me\"\n", "slack.signing_secret has 9 characters"},
		{"PublicHTTPStrong", "secret = \"" + strong + "\"\n" + publicHTTP + "token = \"" + strong + "\"\n" +
			"[slack]\ntoken = \"xoxb-1\"\nsigning_secret = \"" + strong + "\"\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadConfig(path, nil)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err %v, want it to say %q", err, c.want)
			case err != nil && strings.Contains(err.Error(), "change-me"):
				t.Fatalf("the refusal shows the secret: %v", err)
			}
		})
	}
}

// The inbound SMTP AUTH password is ours to choose too: beyond loopback
// it must be as long as the other secrets.
func TestConfig_SMTPAuthPasswordLength(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for listen, want := range map[string]string{"127.0.0.1:2525": "", "0.0.0.0:25": "smtp.auth_password_file's password has 5 characters"} {
		path := filepath.Join(dir, "c.toml")
		os.WriteFile(path, []byte("secret = \"0123456789abcdef\"\n[smtp]\nlisten = \""+listen+"\"\nauth_username = \"relay\"\nauth_password_file = \""+pw+"\"\n"), 0o600)
		_, err := LoadConfig(path, nil)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("listen %s: %v, want %q", listen, err, want)
		}
	}
}

// TestServe_FileModeWarnings: serve names each sensitive file others on
// the machine may read or write (the configuration, the database and
// its side files, private keys), and is quiet about its own 0600 files.
func TestServe_FileModeWarnings(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Path = filepath.Join(dir, "helpdesk.toml")
	cfg.Store.Path = filepath.Join(dir, "helpdesk.db")
	cfg.SMTP.TLSKey = filepath.Join(dir, "key.pem")
	for path, mode := range map[string]os.FileMode{cfg.Path: 0o644, cfg.Store.Path: 0o600, cfg.Store.Path + "-wal": 0o666,
		cfg.SMTP.TLSKey: 0o640} {
		if err := os.WriteFile(path, nil, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode) // past the umask
	}
	var buf bytes.Buffer
	warnFileModes(cfg, slog.New(slog.NewTextHandler(&buf, nil)))
	out := buf.String()
	for _, want := range []string{"configuration file is readable by others", "file=" + cfg.Path, "mode=0644",
		"database file is writable by others", "file=" + cfg.Store.Path + "-wal"} {
		if !strings.Contains(out, want) {
			t.Errorf("warnings lack %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "level=WARN"); n != 2 {
		t.Errorf("%d warnings, want 2 (the 0600 database and the 0640 key are fine):\n%s", n, out)
	}
}

// Go raises the soft open-file limit to the hard one when the process
// starts (since 1.19, on Unix); serve counts on it for the HTTP and SMTP
// connections and checks it again at start.
func TestOpenFileLimit(t *testing.T) {
	soft, hard, err := openFileLimit()
	if err != nil {
		t.Skipf("no open-file limit here: %v", err)
	}
	if soft != hard {
		t.Fatalf("open-file limit %d, hard %d: not raised", soft, hard)
	}
	cfg := DefaultConfig()
	cfg.HTTP.MaxConnections = int(min(soft, 1<<30))
	var buf bytes.Buffer
	checkFileLimit(cfg, slog.New(slog.NewTextHandler(&buf, nil)))
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "http.max_connections") {
		t.Fatalf("max_connections at the limit not warned about:\n%s", buf.String())
	}
}
