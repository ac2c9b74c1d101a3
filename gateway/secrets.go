package gateway

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"helpdesk/internal/netaddr"
	"helpdesk/store"
)

// secretSetting is one secret key and its KEY_file companion.
type secretSetting struct {
	key   string  // "slack.token"
	value *string // the secret
	file  string  // KEY_file's path, "" when unset
	def   string  // the built-in value, which a file may replace
}

// secretSettings are every secret of the configuration with its *_file
// key: secret, [mail] relay_password, [slack] token, signing_secret and
// app_token, [http] token, [store] dsn and each [[imap]] password. ([smtp]
// auth_password_file has no inline form.)
func (c *Config) secretSettings() []secretSetting {
	out := []secretSetting{
		{"secret", &c.Secret, c.SecretFile, insecureSecret},
		{"mail.relay_password", &c.Mail.RelayPassword, c.Mail.RelayPasswordFile, ""},
		{"slack.token", &c.Slack.Token, c.Slack.TokenFile, ""},
		{"slack.signing_secret", &c.Slack.SigningSecret, c.Slack.SigningSecretFile, ""},
		{"slack.app_token", &c.Slack.AppToken, c.Slack.AppTokenFile, ""},
		{"http.token", &c.HTTP.Token, c.HTTP.TokenFile, ""},
		{"store.dsn", &c.Store.DSN, c.Store.DSNFile, ""},
	}
	for i := range c.IMAP {
		m := &c.IMAP[i]
		out = append(out, secretSetting{fmt.Sprintf("imap %q password", m.Name), &m.Password, m.PasswordFile, ""})
	}
	return out
}

// ReadSecretFiles reads every KEY_file secret into KEY. The loader calls
// it at start and on every reload, so a rotated file is read again. A
// file that anyone may read is refused, and so is a key set both inline
// (or from the environment) and as a file.
func (c *Config) ReadSecretFiles() error {
	var errs []error
	for _, s := range c.secretSettings() {
		if s.file == "" {
			continue
		}
		if *s.value != "" && *s.value != s.def {
			errs = append(errs, fmt.Errorf("%s and its _file are both set: set one, not both", s.key))
			continue
		}
		v, err := readSecretFile(s.file)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s_file: %w", s.key, err))
			continue
		}
		*s.value = v
	}
	if c.SMTP.AuthPasswordFile != "" {
		// Read for real when the listener is built; checked here so that
		// a bad file is refused at load and reload time too.
		pw, err := readSecretFile(c.SMTP.AuthPasswordFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("smtp.auth_password_file: %w", err))
		case !netaddr.IsLoopback(c.SMTP.Listen) && weak(pw):
			errs = append(errs, weakError("smtp.auth_password_file's password", pw,
				fmt.Sprintf("smtp.listen %s is not loopback", c.SMTP.Listen)))
		}
	}
	return errors.Join(errs...)
}

// readSecretFile returns the first line of the file at path. A file that
// anyone on the machine may read is refused: the secret is already out.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o004 != 0 {
		return "", fmt.Errorf("%s is readable by everyone (mode %04o); chmod o-r it", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return line, nil
}

// ApplyIMAPEnv sets [[imap]] passwords from the environment:
// HELPDESK_IMAP_<NAME>_PASSWORD and HELPDESK_IMAP_<NAME>_PASSWORD_FILE,
// where NAME is the mailbox's name in upper case with every character
// other than a letter or digit as "_". A variable naming no mailbox is
// an error, like any unknown HELPDESK_<SECTION>_ variable.
func (c *Config) ApplyIMAPEnv(env []string) error {
	var errs []error
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "HELPDESK_IMAP_") {
			continue
		}
		rest := strings.TrimPrefix(k, "HELPDESK_IMAP_")
		found := false
		for i := range c.IMAP {
			m := &c.IMAP[i]
			switch rest {
			case EnvName(m.Name) + "_PASSWORD":
				m.Password, found = v, true
			case EnvName(m.Name) + "_PASSWORD_FILE":
				m.PasswordFile, found = v, true
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("environment variable %s names no [[imap]] mailbox's password or password_file", k))
		}
	}
	return errors.Join(errs...)
}

// WithoutIMAPEnv is env without the HELPDESK_IMAP_ variables, which
// ApplyIMAPEnv takes.
func WithoutIMAPEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "HELPDESK_IMAP_") {
			out = append(out, kv)
		}
	}
	return out
}

// EnvName is a mailbox name as it appears in HELPDESK_IMAP_<NAME>_….
func EnvName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
}

// sealPurpose labels the key that seals channel passwords.
const sealPurpose = "helpdesk sealed channel password v1"

// ChannelSealer is the sealer of the passwords the channels table keeps,
// keyed by cfg's secret.
func ChannelSealer(cfg *Config) (*store.Sealer, error) {
	return store.NewSealer([]byte(cfg.Secret), sealPurpose)
}

// SealedIMAPSettings are m's settings as the channels table keeps them:
// the password sealed with a key derived from cfg's secret, bound to the
// channel's name.
func SealedIMAPSettings(cfg *Config, m IMAPConfig) (store.IMAPSettings, error) {
	st := IMAPSettings(m)
	sl, err := ChannelSealer(cfg)
	if err != nil {
		return st, err
	}
	if st.Password != "" {
		st.Password = sl.Seal(st.Password, m.Name)
	}
	return st, nil
}

// openPassword opens the stored password of channel name; a row written
// before sealing holds it in clear text, which is taken as it is.
func openPassword(cfg *Config, name, stored string) (string, error) {
	if !store.IsSealed(stored) {
		return stored, nil
	}
	sl, err := ChannelSealer(cfg)
	if err != nil {
		return "", err
	}
	pw, err := sl.Open(stored, name)
	if errors.Is(err, store.ErrSealedElsewhere) {
		return "", fmt.Errorf("channel %s: its password was sealed with another secret; run helpdesk channel update %s --password-file F", name, name)
	}
	if err != nil {
		return "", fmt.Errorf("channel %s: password: %w", name, err)
	}
	return pw, nil
}
