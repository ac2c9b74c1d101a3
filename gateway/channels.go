package gateway

import (
	"context"
	"fmt"

	"helpdesk/store"
)

// reservedChannels are the names of the channels that are not IMAP
// mailboxes.
var reservedChannels = map[string]string{"smtp": store.ChannelSMTP, "relay": store.ChannelRelay, "slack": store.ChannelSlack}

// ReservedChannel reports whether name is a built-in channel's, which no
// mailbox may take.
func ReservedChannel(name string) bool {
	_, ok := reservedChannels[name]
	return ok
}

// configChannels are the channels of the configuration file, to seed the
// channels table: the SMTP listener, the relay (or the .eml directory
// standing in for it), Slack (or its log), and every [[imap]] mailbox.
func configChannels(cfg *Config) ([]store.Channel, error) {
	out := []store.Channel{
		{Name: "smtp", Kind: store.ChannelSMTP, Enabled: true},
		{Name: "relay", Kind: store.ChannelRelay, Enabled: true},
		{Name: "slack", Kind: store.ChannelSlack, Enabled: true},
	}
	for _, m := range cfg.IMAP {
		if _, ok := reservedChannels[m.Name]; ok {
			return nil, fmt.Errorf("imap %q: the name is taken by a built-in channel", m.Name)
		}
		out = append(out, store.Channel{Name: m.Name, Kind: store.ChannelIMAP, Enabled: !m.Disabled})
	}
	return out, nil
}

// SeedChannels puts the configuration file's channels into the table.
func SeedChannels(ctx context.Context, db *store.DB, cfg *Config) error {
	chs, err := configChannels(cfg)
	if err != nil {
		return err
	}
	return db.SeedChannels(ctx, chs)
}

// IMAPSettings are the stored settings of a mailbox added at run time;
// the row keeps its name and whether it is enabled.
func IMAPSettings(m IMAPConfig) store.IMAPSettings {
	return store.IMAPSettings{Address: m.Address, TLS: m.TLS, CAFile: m.CAFile, Username: m.Username,
		Password: m.Password, Auth: m.Auth, Mailbox: m.Mailbox, PollInterval: m.PollInterval.Duration,
		IDLE: m.IDLE == nil || *m.IDLE, ProcessedMailbox: m.ProcessedMailbox, FailedMailbox: m.FailedMailbox}
}

// imapConfig is the [[imap]] entry an added mailbox stands for.
func imapConfig(name string, s *store.IMAPSettings) IMAPConfig {
	idle := s.IDLE
	return IMAPConfig{Name: name, Address: s.Address, TLS: s.TLS, CAFile: s.CAFile, Username: s.Username,
		Password: s.Password, Auth: s.Auth, Mailbox: s.Mailbox, PollInterval: Duration{s.PollInterval},
		IDLE: &idle, ProcessedMailbox: s.ProcessedMailbox, FailedMailbox: s.FailedMailbox}
}
