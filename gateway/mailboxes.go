package gateway

import (
	"context"
	"encoding/json"
	"fmt"

	"helpdesk/core"
	"helpdesk/store"
)

// AddMailbox adds an IMAP mailbox at run time (`channel add`), with the
// same checks as an [[imap]] entry of the file, names included. Its
// settings are kept in the database, the password sealed with a key
// derived from the gateway's secret. It returns the channel's row.
func AddMailbox(ctx context.Context, db *store.DB, cfg *Config, m IMAPConfig, enabled bool) (store.Channel, error) {
	check := *cfg
	check.IMAP = append(append([]IMAPConfig(nil), cfg.IMAP...), m)
	if err := check.Validate(); err != nil {
		return store.Channel{}, err
	}
	st, err := SealedIMAPSettings(cfg, m)
	if err != nil {
		return store.Channel{}, err
	}
	settings, err := json.Marshal(st)
	if err != nil {
		return store.Channel{}, err
	}
	if err := db.AddChannel(ctx, store.Channel{Name: m.Name, Kind: store.ChannelIMAP, Enabled: enabled, Settings: settings}); err != nil {
		return store.Channel{}, err
	}
	return store.Channel{Name: m.Name, Kind: store.ChannelIMAP, Source: store.SourceCLI, Settings: settings}, nil
}

// AddedMailbox returns the mailbox of that name added with AddMailbox:
// ENOTFOUND when there is none, EINVALID for a channel of the
// configuration file, which only the file changes.
func AddedMailbox(ctx context.Context, db *store.DB, name string) (store.Channel, error) {
	c, err := FindChannel(ctx, db, name)
	if err != nil {
		return c, err
	}
	if c.Kind != store.ChannelIMAP || c.Source != store.SourceCLI {
		return c, core.Errorf(core.EINVALID, "channel %s comes from the configuration file: change it there and reload serve (systemctl reload helpdesk)", name)
	}
	return c, nil
}

// UpdateMailbox changes the settings of c, a mailbox of AddedMailbox:
// edit sets the fields to change, with the same checks as AddMailbox.
// password reads a new password; when it is nil the stored one is opened
// and sealed again (a row of an older version, in clear text, is sealed
// now). A running serve restarts the mailbox's poller when it next reads
// the table. It returns the channel's new row.
func UpdateMailbox(ctx context.Context, db *store.DB, cfg *Config, c store.Channel, password func() (string, error), edit func(*IMAPConfig)) (store.Channel, error) {
	name := c.Name
	st, err := store.ParseIMAPSettings(c.Settings)
	if err != nil {
		return c, fmt.Errorf("channel %s: settings: %w", name, err)
	}
	m := IMAPConfigOf(name, st)
	if password != nil {
		if m.Password, err = password(); err != nil {
			return c, err
		}
	} else {
		// The stored password, opened to be sealed again.
		old, err := ChannelIMAP(cfg, c)
		if err != nil {
			return c, err
		}
		m.Password = old.Password
	}
	edit(&m)
	check := *cfg
	check.IMAP = append(append([]IMAPConfig(nil), cfg.IMAP...), m)
	if err := check.Validate(); err != nil {
		return c, err
	}
	sealed, err := SealedIMAPSettings(cfg, m)
	if err != nil {
		return c, err
	}
	settings, err := json.Marshal(sealed)
	if err != nil {
		return c, err
	}
	if err := db.UpdateChannelSettings(ctx, name, settings); err != nil {
		return c, err
	}
	return store.Channel{Name: name, Kind: store.ChannelIMAP, Source: store.SourceCLI, Settings: settings}, nil
}

// ChannelWhere describes where a channel connects, without credentials.
func ChannelWhere(cfg *Config, c store.Channel) string {
	switch c.Kind {
	case store.ChannelSMTP:
		return "listens on " + cfg.SMTP.Listen
	case store.ChannelRelay:
		if cfg.Mail.Relay == "" {
			return "no relay: .eml files in " + cfg.Mail.Dir + "/"
		}
		return cfg.Mail.Relay
	case store.ChannelSlack:
		if cfg.Slack.Token == "" {
			return "no token: posts are logged"
		}
		if cfg.Slack.APIURL != "" {
			return cfg.Slack.APIURL
		}
		return "slack.com"
	}
	if c.Source == store.SourceCLI {
		// Without opening the password, which may be sealed with another secret.
		st, err := store.ParseIMAPSettings(c.Settings)
		if err != nil {
			return "(unreadable settings)"
		}
		return fmt.Sprintf("%s@%s/%s (tls %s)", st.Username, st.Address, st.Mailbox, st.TLS)
	}
	m, err := ChannelIMAP(cfg, c)
	if err != nil {
		return "(not in the configuration file any more)"
	}
	return fmt.Sprintf("%s@%s/%s (tls %s)", m.Username, m.Address, m.Mailbox, m.TLS)
}

// FindChannel returns the channel of that name; ENOTFOUND when there is
// none.
func FindChannel(ctx context.Context, db *store.DB, name string) (store.Channel, error) {
	rows, err := db.Channels(ctx)
	if err != nil {
		return store.Channel{}, err
	}
	for _, c := range rows {
		if c.Name == name {
			return c, nil
		}
	}
	return store.Channel{}, core.Errorf(core.ENOTFOUND, "no channel named %q", name)
}
