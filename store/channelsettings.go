package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// IMAPSettingsVersion is the version of IMAPSettings that AddChannel's
// callers write. Version 0 is the first format, kept readable: the
// configuration file's struct serialised with Go's field names.
const IMAPSettingsVersion = 1

// IMAPSettings are the settings of an IMAP mailbox added with `channel
// add`, kept as JSON in the channels table (Channel.Settings). The JSON
// names below are the stored format: rename a field only with a new
// version that still reads the old one.
type IMAPSettings struct {
	// Version is IMAPSettingsVersion when written; Marshal sets it.
	Version  int    `json:"version"`
	Address  string `json:"address"`           // host:port
	TLS      string `json:"tls"`               // none, starttls or implicit
	CAFile   string `json:"ca_file,omitempty"` // PEM file of extra trusted certificates
	Username string `json:"username"`
	// Password is the login password, in clear text for now, like the
	// mail the same database holds.
	Password         string        `json:"password"`
	Auth             string        `json:"auth"` // login or plain
	Mailbox          string        `json:"mailbox"`
	PollInterval     time.Duration `json:"-"` // stored as poll_interval, "30s"
	IDLE             bool          `json:"idle"`
	ProcessedMailbox string        `json:"processed_mailbox,omitempty"`
	FailedMailbox    string        `json:"failed_mailbox,omitempty"`
}

// imapSettingsJSON adds the fields whose stored form differs from their
// Go type.
type imapSettingsJSON struct {
	IMAPSettings
	PollInterval string `json:"poll_interval"`
}

// MarshalJSON writes the current version.
func (s IMAPSettings) MarshalJSON() ([]byte, error) {
	s.Version = IMAPSettingsVersion
	type plain IMAPSettings // without this method
	return json.Marshal(struct {
		plain
		PollInterval string `json:"poll_interval"`
	}{plain(s), s.PollInterval.String()})
}

// imapSettingsV0 is the first format: cmd's IMAPConfig as encoding/json
// wrote it, without tags (Name and Disabled were written too, and are
// the row's name and enabled column instead).
type imapSettingsV0 struct {
	Address, TLS, CAFile, Username, Password, Auth, Mailbox string
	PollInterval                                            string // "30s"
	IDLE                                                    *bool  // nil: true
	ProcessedMailbox, FailedMailbox                         string
}

// ParseIMAPSettings reads the settings of an IMAP channel row, of any
// version so far.
func ParseIMAPSettings(raw []byte) (*IMAPSettings, error) {
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("imap settings: %w", err)
	}
	var s IMAPSettings
	var interval string
	switch {
	case probe.Version == nil:
		var v0 imapSettingsV0
		if err := json.Unmarshal(raw, &v0); err != nil {
			return nil, fmt.Errorf("imap settings (first format): %w", err)
		}
		s = IMAPSettings{Address: v0.Address, TLS: v0.TLS, CAFile: v0.CAFile, Username: v0.Username,
			Password: v0.Password, Auth: v0.Auth, Mailbox: v0.Mailbox, IDLE: v0.IDLE == nil || *v0.IDLE,
			ProcessedMailbox: v0.ProcessedMailbox, FailedMailbox: v0.FailedMailbox}
		interval = v0.PollInterval
	case *probe.Version == IMAPSettingsVersion:
		var v imapSettingsJSON
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("imap settings: %w", err)
		}
		s, interval = v.IMAPSettings, v.PollInterval
	default:
		return nil, fmt.Errorf("imap settings: version %d is newer than this binary knows (%d)", *probe.Version, IMAPSettingsVersion)
	}
	if interval != "" {
		d, err := time.ParseDuration(interval)
		if err != nil {
			return nil, fmt.Errorf("imap settings: poll_interval: %w", err)
		}
		s.PollInterval = d
	}
	s.Version = IMAPSettingsVersion
	return &s, nil
}
