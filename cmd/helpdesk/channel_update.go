package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

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
// add`: only the flags given, with the same checks as add
// (gateway.UpdateMailbox).
func channelUpdate(ctx context.Context, db *store.DB, cfg *gateway.Config, name string, f *addFlags, set map[string]bool, stdout io.Writer, stdin io.Reader) error {
	c, err := gateway.AddedMailbox(ctx, db, name)
	if err != nil {
		return err
	}
	if set["disabled"] {
		return usageError{"channel update does not take --disabled: use channel enable|disable " + name}
	}
	if len(set) == 0 {
		return usageError{"channel update " + name + " needs at least one setting to change (see helpdesk channel add's flags)"}
	}
	var password func() (string, error)
	if set["password-file"] {
		password = func() (string, error) { return readPassword(f.passwordFile, stdin) }
	}
	row, err := gateway.UpdateMailbox(ctx, db, cfg, c, password, func(m *gateway.IMAPConfig) { applyUpdate(m, f, set) })
	if err != nil {
		return err
	}
	var names []string
	for k := range set {
		names = append(names, strings.TrimSuffix(k, "-file"))
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "channel %s updated (%s): %s; a running serve reconnects it within %s\n",
		name, strings.Join(names, ", "), gateway.ChannelWhere(cfg, row), gateway.ChannelPollInterval)
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
