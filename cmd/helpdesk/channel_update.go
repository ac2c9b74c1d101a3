package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/store"
)

// setFlags are the names of the mailbox settings (addFlags) given on
// the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	known := flag.NewFlagSet("", flag.ContinueOnError)
	new(addFlags).register(known)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		if known.Lookup(f.Name) != nil {
			set[f.Name] = true
		}
	})
	return set
}

// readPassword reads a password from a file, or from stdin for "-": the
// first line, without its line ending.
func readPassword(path string, stdin io.Reader) (string, error) {
	var pw []byte
	var err error
	if path == "-" {
		pw, err = io.ReadAll(io.LimitReader(stdin, 4096))
	} else {
		pw, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(string(pw), "\r\n"), nil
}

// channelUpdate changes the settings of a mailbox added with `channel
// add`: only the flags given, with the same checks as add. The password
// is sealed again (a row of an older version, in clear text, is sealed
// now). A running serve restarts the mailbox's poller when it next reads
// the table.
func channelUpdate(ctx context.Context, db *store.DB, cfg *gateway.Config, name string, f *addFlags, set map[string]bool, stdout io.Writer, stdin io.Reader) error {
	c, err := findChannel(ctx, db, name)
	if err != nil {
		return err
	}
	if c.Kind != store.ChannelIMAP || c.Source != store.SourceCLI {
		return core.Errorf(core.EINVALID, "channel %s comes from the configuration file: change it there and reload serve (systemctl reload helpdesk)", name)
	}
	if set["disabled"] {
		return usageError{"channel update does not take --disabled: use channel enable|disable " + name}
	}
	if len(set) == 0 {
		return usageError{"channel update " + name + " needs at least one setting to change (see helpdesk channel add's flags)"}
	}
	st, err := store.ParseIMAPSettings(c.Settings)
	if err != nil {
		return fmt.Errorf("channel %s: settings: %w", name, err)
	}
	m := gateway.IMAPConfigOf(name, st)
	if set["password-file"] {
		if m.Password, err = readPassword(f.passwordFile, stdin); err != nil {
			return err
		}
	} else {
		// The stored password, opened to be sealed again.
		old, err := gateway.ChannelIMAP(cfg, c)
		if err != nil {
			return err
		}
		m.Password = old.Password
	}
	applyUpdate(&m, f, set)
	check := *cfg
	check.IMAP = append(append([]gateway.IMAPConfig(nil), cfg.IMAP...), m)
	if err := check.Validate(); err != nil {
		return err
	}
	sealed, err := gateway.SealedIMAPSettings(cfg, m)
	if err != nil {
		return err
	}
	settings, err := json.Marshal(sealed)
	if err != nil {
		return err
	}
	if err := db.UpdateChannelSettings(ctx, name, settings); err != nil {
		return err
	}
	var names []string
	for k := range set {
		names = append(names, strings.TrimSuffix(k, "-file"))
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "channel %s updated (%s): %s; a running serve reconnects it within %s\n",
		name, strings.Join(names, ", "), channelWhere(cfg, store.Channel{Name: name, Kind: store.ChannelIMAP,
			Source: store.SourceCLI, Settings: settings}), gateway.ChannelPollInterval)
	return nil
}

// applyUpdate sets the fields of m whose flags were given.
func applyUpdate(m *gateway.IMAPConfig, f *addFlags, set map[string]bool) {
	str := map[string]*string{"address": &m.Address, "tls": &m.TLS, "ca-file": &m.CAFile, "username": &m.Username,
		"auth": &m.Auth, "mailbox": &m.Mailbox, "processed-mailbox": &m.ProcessedMailbox, "failed-mailbox": &m.FailedMailbox}
	val := map[string]string{"address": f.address, "tls": f.tls, "ca-file": f.caFile, "username": f.username,
		"auth": f.auth, "mailbox": f.mailbox, "processed-mailbox": f.processed, "failed-mailbox": f.failed}
	for k, p := range str {
		if set[k] {
			*p = val[k]
		}
	}
	if set["poll-interval"] || set["poll"] {
		m.PollInterval = gateway.Duration{Duration: f.poll}
	}
	if set["idle"] {
		idle := f.idle
		m.IDLE = &idle
	}
}

// findChannel returns the channel of that name; ENOTFOUND when there is
// none.
func findChannel(ctx context.Context, db *store.DB, name string) (store.Channel, error) {
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
