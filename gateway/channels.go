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
