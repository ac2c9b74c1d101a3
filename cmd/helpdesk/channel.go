package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"helpdesk/gateway"
	"helpdesk/store"
)

const channelUsage = "channel needs a subcommand: list, add, update, enable, disable, remove or verify"

// cmdChannel is `channel list|add|update|enable|disable|remove|verify`. The
// channels live in the database (the configuration file's entries are
// seeded into it), so a running serve picks changes up within seconds.
func cmdChannel(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{channelUsage}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("channel "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	timeout := fs.Duration("timeout", 30*time.Second, "how long verify waits for each channel")
	asJSON := fs.Bool("json", false, "print JSON (list, enable, disable, remove)")
	var add addFlags
	if sub == "add" || sub == "update" {
		add.register(fs)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	cfg, db, err := c.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := gateway.SeedChannels(ctx, db, cfg); err != nil {
		return err
	}
	one := func() (string, error) {
		if len(pos) != 1 {
			return "", usageError{fmt.Sprintf("usage: channel %s NAME", sub)}
		}
		return pos[0], nil
	}
	switch sub {
	case "list":
		return channelList(ctx, db, cfg, *asJSON, stdout)
	case "add":
		name, err := one()
		if err != nil {
			return err
		}
		return channelAdd(ctx, db, cfg, name, &add, stdout, os.Stdin)
	case "update":
		name, err := one()
		if err != nil {
			return err
		}
		return channelUpdate(ctx, db, cfg, name, &add, setFlags(fs), stdout, os.Stdin)
	case "enable", "disable":
		name, err := one()
		if err != nil {
			return err
		}
		if err := db.SetChannelEnabled(ctx, name, sub == "enable"); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, channelResultJSON{Name: name, Enabled: sub == "enable"})
		}
		fmt.Fprintf(stdout, "channel %s %sd; a running serve picks it up within %s\n", name, sub, gateway.ChannelPollInterval)
		return nil
	case "remove":
		name, err := one()
		if err != nil {
			return err
		}
		if err := db.RemoveChannel(ctx, name); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, channelResultJSON{Name: name, Removed: true})
		}
		fmt.Fprintf(stdout, "channel %s removed\n", name)
		return nil
	case "verify":
		name, err := one()
		if err != nil {
			return err
		}
		vctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return gateway.VerifyChannel(vctx, db, cfg, name, stdout)
	}
	return usageError{fmt.Sprintf("unknown channel subcommand %q", sub)}
}

// channelResultJSON is what `channel enable|disable|remove --json` did.
type channelResultJSON struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	Removed bool   `json:"removed"`
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func enabledWord(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

// channelJSON is one channel of `channel list --json`. It holds no
// credentials.
type channelJSON struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	Source  string `json:"source"` // config or cli
	Where   string `json:"where"`
}

func channelList(ctx context.Context, db *store.DB, cfg *gateway.Config, asJSON bool, w io.Writer) error {
	rows, err := db.Channels(ctx)
	if err != nil {
		return err
	}
	out := make([]channelJSON, 0, len(rows))
	for _, r := range rows {
		out = append(out, channelJSON{Name: r.Name, Kind: r.Kind, Enabled: r.Enabled, Source: r.Source, Where: gateway.ChannelWhere(cfg, r)})
	}
	if asJSON {
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tENABLED\tSOURCE\tWHERE")
	for _, c := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, yesNo(c.Enabled), c.Source, c.Where)
	}
	return tw.Flush()
}

// addFlags are the settings of `channel add`: an IMAP mailbox.
type addFlags struct {
	address, tls, caFile, username, passwordFile, auth, mailbox string
	processed, failed                                           string
	poll                                                        time.Duration
	idle, disabled                                              bool
}

func (f *addFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.address, "address", "", "IMAP server host:port")
	fs.StringVar(&f.tls, "tls", "none", "none, starttls or implicit")
	fs.StringVar(&f.caFile, "ca-file", "", "PEM `file` of extra trusted certificates")
	fs.StringVar(&f.username, "username", "", "login name")
	fs.StringVar(&f.passwordFile, "password-file", "", "`file` holding the password; - reads it from stdin")
	fs.StringVar(&f.auth, "auth", "login", "login or plain")
	fs.StringVar(&f.mailbox, "mailbox", "INBOX", "mailbox to poll")
	fs.StringVar(&f.processed, "processed-mailbox", "", "move processed mail here")
	fs.StringVar(&f.failed, "failed-mailbox", "", "move quarantined mail here")
	fs.DurationVar(&f.poll, "poll-interval", 30*time.Second, "poll interval without IDLE")
	fs.DurationVar(&f.poll, "poll", 30*time.Second, "the same as --poll-interval")
	fs.BoolVar(&f.idle, "idle", true, "use IDLE when the server offers it")
	fs.BoolVar(&f.disabled, "disabled", false, "add it disabled")
}

// channelAdd adds an IMAP mailbox at run time. Its settings are kept in
// the database, the password sealed with a key derived from the
// gateway's secret; no output ever shows the password.
func channelAdd(ctx context.Context, db *store.DB, cfg *gateway.Config, name string, f *addFlags, stdout io.Writer, stdin io.Reader) error {
	if gateway.ReservedChannel(name) {
		return fmt.Errorf("channel %s exists already: only IMAP mailboxes can be added", name)
	}
	if f.passwordFile == "" {
		return usageError{"channel add needs --password-file FILE (or - for stdin); a password on the command line would show in ps"}
	}
	pw, err := readPassword(f.passwordFile, stdin)
	if err != nil {
		return err
	}
	idle := f.idle
	m := gateway.IMAPConfig{Name: name, Address: f.address, TLS: f.tls, CAFile: f.caFile, Username: f.username,
		Password: pw, Auth: f.auth, Mailbox: f.mailbox,
		PollInterval: gateway.Duration{Duration: f.poll}, IDLE: &idle, ProcessedMailbox: f.processed, FailedMailbox: f.failed}
	row, err := gateway.AddMailbox(ctx, db, cfg, m, !f.disabled)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "channel %s added (%s, %s); `helpdesk channel verify %s` tests the login\n",
		name, enabledWord(!f.disabled), gateway.ChannelWhere(cfg, row), name)
	return nil
}
