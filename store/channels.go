package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"

	"helpdesk/core"
)

// Channel kinds (docs/rules.md §8).
const (
	ChannelIMAP  = "imap"
	ChannelSMTP  = "smtp"
	ChannelRelay = "relay"
	ChannelSlack = "slack"
)

// Channel sources: where a channel's settings live.
const (
	SourceConfig = "config" // the configuration file; the row keeps only Enabled
	SourceCLI    = "cli"    // added with `channel add`; the row keeps the settings
)

// Channel is one row of the channels table.
type Channel struct {
	Name    string
	Kind    string
	Enabled bool
	Source  string
	// Settings is the JSON of a channel added at run time (for an IMAP
	// mailbox, IMAPSettings: read it with ParseIMAPSettings); empty for
	// channels of the configuration file.
	Settings  json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SeedChannels inserts the channels that are not in the table yet, with
// their Enabled as given; rows already there keep their state, so an
// admin's enable or disable outlives a restart.
func (s *DB) SeedChannels(ctx context.Context, chs []Channel) error {
	now := fmtTime(s.Now())
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, c := range chs {
			_, err := tx.ExecContext(ctx, `INSERT INTO channels (name, kind, enabled, source, settings, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
				c.Name, c.Kind, c.Enabled, SourceConfig, "{}", now, now)
			if err != nil {
				return fmt.Errorf("seed channel %s: %w", c.Name, err)
			}
		}
		return nil
	})
}

// Channels returns every channel by name.
func (s *DB) Channels(ctx context.Context) ([]Channel, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, kind, enabled, source, settings, created_at, updated_at
		FROM channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		var c Channel
		var settings, created, updated string
		if err := rows.Scan(&c.Name, &c.Kind, &c.Enabled, &c.Source, &settings, &created, &updated); err != nil {
			return nil, err
		}
		if c.Source == SourceCLI {
			c.Settings = json.RawMessage(settings)
		}
		c.CreatedAt, c.UpdatedAt = parseTime(created), parseTime(updated)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddChannel adds a channel with its settings (source cli). A name in use
// is ECONFLICT.
func (s *DB) AddChannel(ctx context.Context, c Channel) error {
	now := fmtTime(s.Now())
	settings := string(c.Settings)
	if settings == "" {
		settings = "{}"
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO channels (name, kind, enabled, source, settings, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Name, c.Kind, c.Enabled, SourceCLI, settings, now, now)
		if isUnique(err) || isPrimaryKey(err) {
			return core.Errorf(core.ECONFLICT, "a channel named %q exists already", c.Name)
		}
		if err != nil {
			return fmt.Errorf("add channel %s: %w", c.Name, err)
		}
		return nil
	})
}

// SetChannelEnabled enables or disables a channel; ENOTFOUND when there
// is none of that name.
func (s *DB) SetChannelEnabled(ctx context.Context, name string, enabled bool) error {
	err := s.update(ctx, `UPDATE channels SET enabled = ?, updated_at = ? WHERE name = ?`, enabled, fmtTime(s.Now()), name)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return core.Errorf(core.ENOTFOUND, "no channel named %q", name)
	}
	return err
}

// RemoveChannel deletes a channel added at run time. A channel of the
// configuration file is EINVALID (it would come back at the next start:
// delete it in the file, or disable it), a missing one ENOTFOUND.
func (s *DB) RemoveChannel(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var source string
		err := tx.QueryRowContext(ctx, `SELECT source FROM channels WHERE name = ?`, name).Scan(&source)
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "no channel named %q", name)
		}
		if err != nil {
			return fmt.Errorf("remove channel %s: %w", name, err)
		}
		if source != SourceCLI {
			return core.Errorf(core.EINVALID, "channel %q comes from the configuration file: delete it there, or disable it", name)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM channels WHERE name = ?`, name)
		return err
	})
}

// isPrimaryKey reports whether err is a PRIMARY KEY violation (a TEXT
// primary key reports that, not UNIQUE).
func isPrimaryKey(err error) bool {
	if isPgUnique(err) { // PostgreSQL reports both as unique_violation
		return true
	}
	var se sqlite3.Error // by value, see isUnique
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}

// UpdateChannelSettings replaces the settings of a channel added at run
// time; a running serve restarts the channel with them, as it notices the
// row changed. A channel of the configuration file is EINVALID (edit the
// file and reload), a missing one ENOTFOUND.
func (s *DB) UpdateChannelSettings(ctx context.Context, name string, settings json.RawMessage) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var source string
		err := tx.QueryRowContext(ctx, `SELECT source FROM channels WHERE name = ?`, name).Scan(&source)
		if err == sql.ErrNoRows {
			return core.Errorf(core.ENOTFOUND, "no channel named %q", name)
		}
		if err != nil {
			return fmt.Errorf("update channel %s: %w", name, err)
		}
		if source != SourceCLI {
			return core.Errorf(core.EINVALID, "channel %q comes from the configuration file: change it there and reload serve (SIGHUP)", name)
		}
		_, err = tx.ExecContext(ctx, `UPDATE channels SET settings = ?, updated_at = ? WHERE name = ?`,
			string(settings), fmtTime(s.Now()), name)
		if err != nil {
			return fmt.Errorf("update channel %s: %w", name, err)
		}
		return nil
	})
}
