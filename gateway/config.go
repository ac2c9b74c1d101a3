package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"sort"
	"strings"
	"time"

	"helpdesk/core"
	"helpdesk/core/calendar"
	"helpdesk/inbound/mailauth"
	"helpdesk/internal/netaddr"
	"helpdesk/outbound"
)

// Config is the whole configuration: built-in defaults, then the TOML
// file, then HELPDESK_<SECTION>_<KEY> environment variables, then flags.
type Config struct {
	// Path is the configuration file it was loaded from, "" for the
	// built-in defaults; serve warns when others may read it.
	Path string `toml:"-"`

	Domain string `toml:"domain"`
	Secret string `toml:"secret"`
	// Every secret may come from a file instead: KEY_file holds the path,
	// and ReadSecretFiles reads it into KEY (secrets.go).
	SecretFile string `toml:"secret_file"`

	Store struct {
		// Driver is "sqlite" (the default: the file at Path) or
		// "postgres" (the server at DSN; Path still names this
		// instance's own files: the outbox journal, Path-sent, and the
		// serve lock).
		Driver  string `toml:"driver"`
		Path    string `toml:"path"`
		DSN     string `toml:"dsn"`
		DSNFile string `toml:"dsn_file"`
	} `toml:"store"`
	SMTP struct {
		Listen          string `toml:"listen"`
		MaxMessageBytes int64  `toml:"max_message_bytes"`
		Hostname        string `toml:"hostname"`
		// Hardening (inbound/smtp): 0 means the package default.
		ReadTimeout          Duration `toml:"read_timeout"`
		WriteTimeout         Duration `toml:"write_timeout"`
		MaxConnsPerIP        int      `toml:"max_connections_per_ip"`
		MaxConns             int      `toml:"max_connections"` // from everyone at once; 0 means 1,000
		MaxMessagesPerMinute int      `toml:"max_messages_per_minute_per_ip"`
		TLSCert              string   `toml:"tls_cert"`
		TLSKey               string   `toml:"tls_key"`
		AuthUsername         string   `toml:"auth_username"`
		AuthPasswordFile     string   `toml:"auth_password_file"`
	} `toml:"smtp"`
	Mail struct {
		Relay string `toml:"relay"`
		// RelayTLS is none (the default), starttls, starttls-opportunistic
		// or implicit (outbound.RelayTLS).
		RelayTLS      string `toml:"relay_tls"`
		RelayUsername string `toml:"relay_username"`
		RelayPassword string `toml:"relay_password"`
		// RelayPasswordFile holds the password on its first line; the
		// loader reads it into RelayPassword and refuses a world-readable
		// file.
		RelayPasswordFile string `toml:"relay_password_file"`
		RelayCAFile       string `toml:"relay_ca_file"` // empty: the system's roots
		RelayCertFile     string `toml:"relay_cert_file"`
		RelayKeyFile      string `toml:"relay_key_file"`
		Dir               string `toml:"dir"`
		From              string `toml:"from"`
		// AutoLimitPerHour is how many automatic notices one address gets
		// an hour (the mail loop guard); 0 means core's default (10), -1
		// no limit.
		AutoLimitPerHour int `toml:"auto_limit_per_hour"`
		// DKIM signing of every notice; DKIMDomain "" turns it off. The
		// key file is PEM, RSA or Ed25519 (`helpdesk dkim keygen`).
		DKIMDomain   string `toml:"dkim_domain"`
		DKIMSelector string `toml:"dkim_selector"`
		DKIMKeyFile  string `toml:"dkim_key_file"`
		// ReturnPath is the envelope sender of every mail: "signed" (also
		// "") for its own bounces+TOKEN@domain, "from" for the From
		// address (docs/operations.md, "Bounces").
		ReturnPath string `toml:"return_path"`
		// AttachMaxBytes is the largest file an agent shares in a thread
		// that the customer's mail attaches; larger ones go as a link
		// when [http] public_url is set, and are not sent otherwise.
		AttachMaxBytes int `toml:"attach_max_bytes"`
	} `toml:"mail"`
	// Auth is how the senders of inbound mail are checked (docs/rules.md §6).
	Auth  AuthConfig `toml:"auth"`
	Slack struct {
		Token         string `toml:"token"`
		SigningSecret string `toml:"signing_secret"`
		APIURL        string `toml:"api_url"`
		// SocketMode takes Slack's events, commands and buttons over a
		// websocket opened with AppToken (xapp-…) instead of the HTTP
		// endpoints, for deployments without a public URL.
		SocketMode bool   `toml:"socket_mode"`
		AppToken   string `toml:"app_token"`

		TokenFile         string `toml:"token_file"`
		SigningSecretFile string `toml:"signing_secret_file"`
		AppTokenFile      string `toml:"app_token_file"`
		// ResponseURLHosts are the hosts a button's response_url may
		// name (a host, or *.domain for any name under it); only a
		// loopback host may be reached over plain http. The default is
		// Slack's: hooks.slack.com and *.slack.com.
		ResponseURLHosts []string `toml:"response_url_hosts"`
		// MaxBodyBytes bounds the body of a request to /slack/…; larger
		// ones get 413.
		MaxBodyBytes int64 `toml:"max_body_bytes"`
		// UploadMaxBytes is the largest customer attachment uploaded into
		// a ticket's thread; larger ones are named there with their size.
		UploadMaxBytes int `toml:"upload_max_bytes"`
	} `toml:"slack"`
	HTTP   HTTPConfig `toml:"http"`
	Outbox struct {
		PollInterval Duration `toml:"poll_interval"`
		RetryBase    Duration `toml:"retry_base"` // first retry delay; 0 means 30s
	} `toml:"outbox"`
	IMAP        []IMAPConfig                `toml:"imap"`
	Departments map[string]DepartmentConfig `toml:"departments"`
	Agents      []AgentConfig               `toml:"agents"`
	Calendar    struct {
		Timezone string `toml:"timezone"`
		// Hours per weekday ("monday" … "sunday"), e.g. "08:00-24:00";
		// "closed" or "" for none. Missing days keep the defaults.
		Hours    map[string]string `toml:"hours"`
		Holidays []string          `toml:"holidays"` // "2026-12-25"
	} `toml:"calendar"`
	Rules   RulesConfig   `toml:"rules"`
	Credits CreditsConfig `toml:"credits"`
	Sweep   struct {
		Interval Duration `toml:"interval"`
	} `toml:"sweep"`
	// Limits bound what one mail may cost (docs/operations.md, "Limits");
	// zero keeps each default.
	Limits LimitsConfig `toml:"limits"`
	Log    struct {
		// serve takes a new one on SIGHUP, unless --log-level was given.
		Level string `toml:"level"` // debug | info (default) | warn | error; --log-level wins
	} `toml:"log"`
}

// HTTPConfig is the [http] table: the listener of /healthz, /readyz,
// /status, /metrics, the status page and the Slack endpoints.
type HTTPConfig struct {
	Listen    string `toml:"listen"`
	Token     string `toml:"token"`
	TokenFile string `toml:"token_file"`
	// ReadTimeout bounds reading a request, headers and body;
	// WriteTimeout the time from the end of its headers to the end of
	// the answer; IdleTimeout how long a kept-alive connection may wait
	// for its next request.
	ReadTimeout  Duration `toml:"read_timeout"`
	WriteTimeout Duration `toml:"write_timeout"`
	IdleTimeout  Duration `toml:"idle_timeout"`
	// MaxConnections is how many connections are served at once; more
	// wait in the kernel's queue until one closes, so a flood holds at
	// most this many of the process's file descriptors.
	MaxConnections int `toml:"max_connections"`
	// PublicURL is where customers reach this listener (through a
	// proxy), e.g. "https://desk.example.com": the base of the signed
	// /files/TOKEN links to agents' files too large to attach. Empty
	// serves no files and sends no links.
	PublicURL string `toml:"public_url"`
}

// LimitsConfig is the [limits] table: the budget of one hostile mail in
// memory, CPU and the mail it makes us send.
type LimitsConfig struct {
	// MIME structure: deeper or larger mails are refused (SMTP 554) or
	// quarantined (IMAP) with the reason.
	MIMEDepth int `toml:"mime_depth"`
	MIMEParts int `toml:"mime_parts"`
	// HTMLTextBytes bounds the text taken from an HTML body; the raw mail
	// stays whole in the store.
	HTMLTextBytes int `toml:"html_text_bytes"`
	// ParseMemory is the bytes of mail being read and parsed at once,
	// over every channel; a mail that does not fit waits for its turn.
	ParseMemory int64 `toml:"parse_memory"`
	// Amplification: commands read from one mail, the customer's text
	// quoted in a notice, and the message ids kept in References.
	CommandsPerMail int `toml:"commands_per_mail"`
	QuoteBytes      int `toml:"quote_bytes"`
	References      int `toml:"references"`
}

// mailLimits are the [limits] that core applies to the mail it receives
// and the notices it writes (commands_per_mail, quote_bytes, references).
func (l LimitsConfig) mailLimits() core.MailLimits {
	return core.MailLimits{CommandsPerMail: l.CommandsPerMail, QuoteBytes: l.QuoteBytes, References: l.References}
}

// RulesConfig overrides the numbers of docs/rules.md §2–§4; zero keeps the
// default.
type RulesConfig struct {
	SolvedIdle        Duration `toml:"solved_idle"`
	SalesIdle         Duration `toml:"sales_idle"`
	PresalesSalesIdle Duration `toml:"presales_sales_idle"`
	ProjectIdle       Duration `toml:"project_idle"`
	PreClosedToClosed Duration `toml:"pre_closed_to_closed"`
	ReopenWindow      Duration `toml:"reopen_window"`
	HotRushDisables   int      `toml:"hotrush_disables"`
	FirstResponse     Duration `toml:"first_response"`
	HotRushResponse   Duration `toml:"hotrush_response"`
}

// CoreRules returns the rules with the configured overrides.
func (c *Config) CoreRules() core.Rules {
	r := core.DefaultRules()
	set := func(dst *time.Duration, v Duration) {
		if v.Duration > 0 {
			*dst = v.Duration
		}
	}
	set(&r.SolvedIdle, c.Rules.SolvedIdle)
	set(&r.SalesIdle, c.Rules.SalesIdle)
	set(&r.PresalesSalesIdle, c.Rules.PresalesSalesIdle)
	set(&r.ProjectIdle, c.Rules.ProjectIdle)
	set(&r.PreClosedToClosed, c.Rules.PreClosedToClosed)
	set(&r.ReopenWindow, c.Rules.ReopenWindow)
	set(&r.FirstResponse, c.Rules.FirstResponse)
	set(&r.HotRushResponse, c.Rules.HotRushResponse)
	if c.Rules.HotRushDisables > 0 {
		r.HotRushDisables = c.Rules.HotRushDisables
	}
	r.Credits = c.Credits.coreCredits()
	return r
}

var weekdays = map[string]time.Weekday{"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday}

// BusinessCalendar builds the [calendar] table into a calendar.
func (c *Config) BusinessCalendar() (*calendar.Calendar, error) {
	cc := calendar.Default()
	if c.Calendar.Timezone != "" {
		cc.TimeZone = c.Calendar.Timezone
	}
	for day, spec := range c.Calendar.Hours {
		wd, ok := weekdays[strings.ToLower(day)]
		if !ok {
			return nil, fmt.Errorf("calendar.hours: %q is not a weekday", day)
		}
		spans, err := calendar.ParseHours(spec)
		if err != nil {
			return nil, fmt.Errorf("calendar.hours.%s: %w", day, err)
		}
		cc.Hours[wd] = spans
	}
	cc.Holidays = c.Calendar.Holidays
	cal, err := calendar.New(cc)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return cal, nil
}

// DepartmentConfig is one [departments.NAME] table.
type DepartmentConfig struct {
	SlackChannel string   `toml:"slack_channel"`
	Heads        []string `toml:"heads"`
	Addresses    []string `toml:"addresses"`
	// UnknownSender is open (also ""), quarantine or reject
	// (docs/rules.md §1).
	UnknownSender string `toml:"unknown_sender"`
	// Language is en (also "") or ru: its customers' default.
	Language string `toml:"language"`
	// SubjectWords send a new mail whose subject starts with [word]
	// here (docs/rules.md §2).
	SubjectWords []string `toml:"subject_words"`
	// Authentication: off | commands | strict (docs/rules.md §6); ""
	// means commands.
	Authentication string `toml:"authentication"`
	// AutoAssign assigns new tickets to the department's [[agents]] in
	// turn, passing by those away and those with MaxOpenPerAgent active
	// tickets (0: no cap); off by default (docs/rules.md §7).
	AutoAssign      bool `toml:"auto_assign"`
	MaxOpenPerAgent int  `toml:"max_open_per_agent"`
}

// IMAPConfig is one [[imap]] mailbox.
type IMAPConfig struct {
	Name             string   `toml:"name"`
	Address          string   `toml:"address"`
	TLS              string   `toml:"tls"` // none | starttls | implicit
	CAFile           string   `toml:"ca_file"`
	Username         string   `toml:"username"`
	Password         string   `toml:"password"`
	PasswordFile     string   `toml:"password_file"`
	Auth             string   `toml:"auth"` // login | plain
	Mailbox          string   `toml:"mailbox"`
	PollInterval     Duration `toml:"poll_interval"`
	IDLE             *bool    `toml:"idle"` // default true
	ProcessedMailbox string   `toml:"processed_mailbox"`
	FailedMailbox    string   `toml:"failed_mailbox"`
	Disabled         bool     `toml:"disabled"`
}

// AgentConfig is one [[agents]] entry.
type AgentConfig struct {
	ID          string   `toml:"id"`
	Name        string   `toml:"name"`
	Email       string   `toml:"email"`
	Departments []string `toml:"departments"`
}

// Duration is a time.Duration written as "30s" in TOML.
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

// MarshalText writes a Duration as "30s", so that the settings of an
// added channel read back with UnmarshalText.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// insecureSecret is the built-in signing secret. It is fine on loopback
// and for the demo; Validate refuses it when the gateway faces a network.
const insecureSecret = "insecure-default-secret"

// DefaultConfig returns the built-in defaults (DESIGN.md).
func DefaultConfig() *Config {
	c := &Config{Domain: "support.example.com", Secret: insecureSecret}
	c.Store.Driver = "sqlite"
	c.Store.Path = "helpdesk.db"
	c.SMTP.Listen = "127.0.0.1:2525"
	c.SMTP.MaxMessageBytes = 25 << 20
	c.Mail.Dir = "outbox-mail"
	c.HTTP.Listen = "127.0.0.1:8025"
	c.HTTP.ReadTimeout = Duration{10 * time.Second}
	c.HTTP.WriteTimeout = Duration{30 * time.Second}
	c.HTTP.IdleTimeout = Duration{time.Minute}
	c.HTTP.MaxConnections = 256
	c.Slack.ResponseURLHosts = []string{"hooks.slack.com", "*.slack.com"}
	c.Slack.MaxBodyBytes = 512 << 10
	c.Outbox.PollInterval = Duration{5 * time.Second}
	c.Sweep.Interval = Duration{time.Minute}
	c.Auth.DNSCache = Duration{mailauth.DefaultCacheTTL}
	c.Log.Level = "info"
	c.Calendar.Timezone = "Etc/GMT-4"
	c.Departments = map[string]DepartmentConfig{
		"support": {SlackChannel: "C0SUPPORT"},
		"sales":   {SlackChannel: "C0SALES"},
	}
	return c
}

// FillDefaults completes a loaded configuration: department addresses
// and the [[imap]] mailboxes' defaults depend on what the file set, so
// they cannot be in DefaultConfig.
func (c *Config) FillDefaults() {
	c.fillDepartmentAddresses()
	c.fillIMAPDefaults()
}

// fillIMAPDefaults gives every [[imap]] mailbox the documented defaults.
func (c *Config) fillIMAPDefaults() {
	for i := range c.IMAP {
		m := &c.IMAP[i]
		if m.TLS == "" {
			m.TLS = "none"
		}
		if m.Auth == "" {
			m.Auth = "login"
		}
		if m.Mailbox == "" {
			m.Mailbox = "INBOX"
		}
		if m.PollInterval.Duration == 0 {
			m.PollInterval.Duration = 30 * time.Second
		}
		if m.IDLE == nil {
			idle := true
			m.IDLE = &idle
		}
	}
}

// fillDepartmentAddresses gives a department without addresses NAME@domain.
func (c *Config) fillDepartmentAddresses() {
	for name, d := range c.Departments {
		if len(d.Addresses) == 0 {
			d.Addresses = []string{name + "@" + c.Domain}
			c.Departments[name] = d
		}
	}
}

// DepartmentNames returns the departments in a stable order, support first.
func (c *Config) DepartmentNames() []string {
	var names []string
	for n := range c.Departments {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "support") != (names[j] == "support") {
			return names[i] == "support"
		}
		return names[i] < names[j]
	})
	return names
}

// Validate checks the configuration before anything starts.
func (c *Config) Validate() error {
	var errs []error
	if c.Domain == "" {
		errs = append(errs, errors.New("domain is empty"))
	}
	if c.Secret == "" {
		errs = append(errs, errors.New("secret is empty"))
	}
	if len(c.Departments) == 0 {
		errs = append(errs, errors.New("no department is configured"))
	}
	if c.Mail.From != "" {
		if _, err := mail.ParseAddress(c.Mail.From); err != nil {
			errs = append(errs, fmt.Errorf("mail.from %q: %v", c.Mail.From, err))
		}
	}
	if c.SMTP.MaxMessageBytes <= 0 {
		errs = append(errs, errors.New("smtp.max_message_bytes must be positive"))
	}
	if (c.SMTP.TLSCert == "") != (c.SMTP.TLSKey == "") {
		errs = append(errs, errors.New("smtp.tls_cert and smtp.tls_key go together"))
	}
	if (c.SMTP.AuthUsername == "") != (c.SMTP.AuthPasswordFile == "") {
		errs = append(errs, errors.New("smtp.auth_username and smtp.auth_password_file go together"))
	}
	errs = append(errs, c.validateRelay()...)
	errs = append(errs, c.validateReturnPath()...)
	errs = append(errs, c.validateDepartments()...)
	errs = append(errs, c.validateFiles()...)
	names := map[string]bool{}
	for i, m := range c.IMAP {
		switch {
		case m.Name == "":
			errs = append(errs, fmt.Errorf("imap #%d: name is empty", i+1))
		case names[m.Name]:
			errs = append(errs, fmt.Errorf("imap %q: name used twice", m.Name))
		}
		names[m.Name] = true
		if m.Address == "" {
			errs = append(errs, fmt.Errorf("imap %q: address is empty", m.Name))
		}
		if m.TLS != "none" && m.TLS != "starttls" && m.TLS != "implicit" {
			errs = append(errs, fmt.Errorf("imap %q: tls %q is not none, starttls or implicit", m.Name, m.TLS))
		}
		if m.Auth != "login" && m.Auth != "plain" {
			errs = append(errs, fmt.Errorf("imap %q: auth %q is not login or plain", m.Name, m.Auth))
		}
	}
	errs = append(errs, c.validateDurations()...)
	errs = append(errs, c.validateStore()...)
	errs = append(errs, c.validateHTTP()...)
	errs = append(errs, c.validateExposure()...)
	errs = append(errs, c.validateAgents()...)
	if _, err := ParseLogLevel(c.Log.Level); err != nil {
		errs = append(errs, fmt.Errorf("log.level: %w", err))
	}
	if _, err := c.BusinessCalendar(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Credits.validate()...)
	errs = append(errs, c.validateAuth()...)
	errs = append(errs, c.validateParseLimits()...)
	if err := c.Limits.mailLimits().Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Agent finds an agent in [[agents]]; with none configured, any id is
// taken as given. The agent acts in their departments only (core checks
// it, adding the departments they head).
func (c *Config) Agent(id string) (core.Actor, error) {
	if len(c.Agents) == 0 {
		return core.Actor{Kind: core.ActorAgent, ID: id}, nil
	}
	for _, ag := range c.Agents {
		if ag.ID == id {
			return core.Actor{Kind: core.ActorAgent, ID: ag.ID, Name: ag.Name, Departments: ag.Departments}, nil
		}
	}
	return core.Actor{}, fmt.Errorf("no agent %q in [[agents]]", id)
}

// validateAgents refuses an agent's department that is not configured:
// a typo there would lock the agent out of their own tickets.
func (c *Config) validateAgents() []error {
	var errs []error
	for _, ag := range c.Agents {
		for _, d := range ag.Departments {
			if _, ok := c.Departments[d]; !ok {
				errs = append(errs, fmt.Errorf("agents %q: department %q is not configured", ag.ID, d))
			}
		}
	}
	return errs
}

// validateRelay checks the [mail] relay_* keys.
func (c *Config) validateRelay() []error {
	var errs []error
	m := &c.Mail
	mode, err := outbound.ParseRelayTLS(m.RelayTLS)
	if err != nil {
		errs = append(errs, fmt.Errorf("mail.relay_tls: %w", err))
	}
	if (m.RelayUsername == "") != (m.RelayPassword == "") {
		errs = append(errs, errors.New("mail.relay_username and mail.relay_password (or relay_password_file) go together"))
	}
	if m.RelayUsername != "" && mode == outbound.RelayTLSNone && m.Relay != "" && !netaddr.IsLoopback(m.Relay) {
		errs = append(errs, fmt.Errorf("mail.relay %s is not loopback: set relay_tls to starttls or implicit before sending it a password", m.Relay))
	}
	if (m.RelayCertFile == "") != (m.RelayKeyFile == "") {
		errs = append(errs, errors.New("mail.relay_cert_file and mail.relay_key_file go together"))
	}
	return errs
}

// Relay builds the outbound relay from [mail]; Mail.Relay must be set.
// It reads the CA and client certificate files.
func (c *Config) Relay() (*outbound.Relay, error) {
	mode, err := outbound.ParseRelayTLS(c.Mail.RelayTLS)
	if err != nil {
		return nil, fmt.Errorf("mail.relay_tls: %w", err)
	}
	r := &outbound.Relay{Addr: c.Mail.Relay, LocalName: c.Domain, TLS: mode,
		Username: c.Mail.RelayUsername, Password: c.Mail.RelayPassword}
	if mode != outbound.RelayTLSNone {
		if r.TLSConfig, err = outbound.RelayTLSConfig(c.Mail.RelayCAFile, c.Mail.RelayCertFile, c.Mail.RelayKeyFile); err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
	}
	return r, nil
}

// ParseLogLevel reads a log level: debug, info, warn or error.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q is not debug, info, warn or error", s)
}
