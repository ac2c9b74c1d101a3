package gateway

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"helpdesk/internal/netaddr"
)

// minSecretLen is the shortest secret or token taken when a listener is
// beyond loopback: 16 characters are beyond guessing even as lower-case
// words, and every generator (openssl rand -hex 32) gives more.
const minSecretLen = 16

// minPollInterval is the shortest poll of the outbox and of an [[imap]]
// mailbox: shorter is a busy loop on the database or the server.
const minPollInterval = 100 * time.Millisecond

// minSlackBody is the smallest [slack] max_body_bytes: below it Slack's
// own requests would be refused.
const minSlackBody = 16 << 10

// durationFloor is one duration key and the shortest value it takes.
type durationFloor struct {
	key string
	get func(*Config) time.Duration
	min time.Duration
	// zeroDefault is set when 0 means the built-in default.
	zeroDefault bool
}

// durationFloors is the one table of minimums (docs/operations.md,
// "Limits"). Below them an interval is a busy loop and a timeout fails
// every honest peer; "1ns" is a typo, not a setting. [[imap]]
// poll_interval takes minPollInterval, checked per mailbox.
var durationFloors = []durationFloor{
	{"outbox.poll_interval", func(c *Config) time.Duration { return c.Outbox.PollInterval.Duration }, minPollInterval, false},
	{"outbox.retry_base", func(c *Config) time.Duration { return c.Outbox.RetryBase.Duration }, 10 * time.Millisecond, true},
	{"sweep.interval", func(c *Config) time.Duration { return c.Sweep.Interval.Duration }, time.Second, false},
	{"smtp.read_timeout", func(c *Config) time.Duration { return c.SMTP.ReadTimeout.Duration }, time.Second, true},
	{"smtp.write_timeout", func(c *Config) time.Duration { return c.SMTP.WriteTimeout.Duration }, time.Second, true},
	{"http.read_timeout", func(c *Config) time.Duration { return c.HTTP.ReadTimeout.Duration }, 100 * time.Millisecond, false},
	{"http.write_timeout", func(c *Config) time.Duration { return c.HTTP.WriteTimeout.Duration }, 100 * time.Millisecond, false},
	{"http.idle_timeout", func(c *Config) time.Duration { return c.HTTP.IdleTimeout.Duration }, 100 * time.Millisecond, false},
}

// validateDurations checks every duration of durationFloors and each
// mailbox's poll_interval.
func (c *Config) validateDurations() []error {
	var errs []error
	for _, f := range durationFloors {
		if err := checkFloor(f.key, f.get(c), f.min, f.zeroDefault); err != nil {
			errs = append(errs, err)
		}
	}
	for _, m := range c.IMAP {
		if err := checkFloor("poll_interval", m.PollInterval.Duration, minPollInterval, false); err != nil {
			errs = append(errs, fmt.Errorf("imap %q: %w", m.Name, err))
		}
	}
	return errs
}

// checkFloor refuses d below min; 0 passes when it means the default.
func checkFloor(key string, d, min time.Duration, zeroDefault bool) error {
	switch {
	case d == 0 && zeroDefault:
		return nil
	case d <= 0:
		return fmt.Errorf("%s must be positive (at least %s)", key, min)
	case d < min:
		return fmt.Errorf("%s %s is below the minimum of %s", key, d, min)
	}
	return nil
}

// validateStore refuses a configuration without a database: a file for
// SQLite, a DSN for PostgreSQL (and a path for the instance's own files).
func (c *Config) validateStore() []error {
	var errs []error
	if strings.TrimSpace(c.Store.Path) == "" {
		errs = append(errs, errors.New("store.path is empty: name the database file (with postgres: this instance's outbox journal and lock)"))
	}
	switch c.Store.Driver {
	case "sqlite":
		if c.Store.DSN != "" {
			errs = append(errs, errors.New(`store.dsn is set but store.driver is "sqlite": set driver = "postgres" to use it`))
		}
	case "postgres":
		if strings.TrimSpace(c.Store.DSN) == "" {
			errs = append(errs, errors.New(`store.driver is "postgres" but store.dsn is empty: set dsn (or dsn_file), e.g. "postgres://helpdesk@127.0.0.1:5432/helpdesk"`))
		} else if _, err := pgconn.ParseConfig(c.Store.DSN); err != nil {
			errs = append(errs, fmt.Errorf("store.dsn: %v", err))
		}
	default:
		errs = append(errs, fmt.Errorf(`store.driver %q is not "sqlite" or "postgres"`, c.Store.Driver))
	}
	return errs
}

// validateHTTP checks [http] and the [slack] keys of its endpoints.
func (c *Config) validateHTTP() []error {
	var errs []error
	if c.HTTP.MaxConnections < 1 {
		errs = append(errs, fmt.Errorf("http.max_connections %d must be at least 1", c.HTTP.MaxConnections))
	}
	if c.Slack.MaxBodyBytes < minSlackBody {
		errs = append(errs, fmt.Errorf("slack.max_body_bytes %d is below the minimum of %d", c.Slack.MaxBodyBytes, minSlackBody))
	}
	if len(c.Slack.ResponseURLHosts) == 0 {
		errs = append(errs, errors.New("slack.response_url_hosts is empty: every button would be refused (Slack's are hooks.slack.com and *.slack.com)"))
	}
	for _, h := range c.Slack.ResponseURLHosts {
		if !validHostPattern(h) {
			errs = append(errs, fmt.Errorf("slack.response_url_hosts: %q is not a host name, an IP address or *.domain", h))
		}
	}
	return errs
}

// validHostPattern reports whether p is a host name, an IP address, or
// "*." and a host name.
func validHostPattern(p string) bool {
	if net.ParseIP(p) != nil {
		return true
	}
	p = strings.TrimPrefix(p, "*.")
	if p == "" || len(p) > 253 || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// validateExposure refuses weak secrets once a listener is beyond
// loopback: the built-in secret, a missing HTTP token, and any secret or
// token of ours shorter than minSecretLen ("change-me"). On loopback,
// the demo and tests keep their short ones.
func (c *Config) validateExposure() []error {
	smtpOut, httpOut := !netaddr.IsLoopback(c.SMTP.Listen), !netaddr.IsLoopback(c.HTTP.Listen)
	if !smtpOut && !httpOut {
		return nil
	}
	where := fmt.Sprintf("smtp.listen %s is not loopback", c.SMTP.Listen)
	if !smtpOut {
		where = fmt.Sprintf("http.listen %s is not loopback", c.HTTP.Listen)
	}
	var errs []error
	switch {
	case c.Secret == insecureSecret:
		errs = append(errs, fmt.Errorf("%s: set secret (or secret_file), or anyone can forge reply addresses", where))
	case weak(c.Secret):
		errs = append(errs, weakError("secret", c.Secret, where))
	}
	if httpOut {
		where := fmt.Sprintf("http.listen %s is not loopback", c.HTTP.Listen)
		switch {
		case c.HTTP.Token == "":
			errs = append(errs, fmt.Errorf("%s: set http.token (or token_file)", where))
		case weak(c.HTTP.Token):
			errs = append(errs, weakError("http.token", c.HTTP.Token, where))
		}
		if c.Slack.SigningSecret != "" && weak(c.Slack.SigningSecret) {
			errs = append(errs, weakError("slack.signing_secret", c.Slack.SigningSecret, where))
		}
	}
	return errs
}

func weak(s string) bool { return utf8.RuneCountInString(strings.TrimSpace(s)) < minSecretLen }

// weakError names the key and its length, never its value.
func weakError(key, value, where string) error {
	return fmt.Errorf("%s has %d characters; %s, so it must have at least %d (e.g. openssl rand -hex 32)",
		key, utf8.RuneCountInString(strings.TrimSpace(value)), where, minSecretLen)
}
