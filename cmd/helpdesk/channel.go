package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/slack-go/slack"

	imapin "helpdesk/inbound/imap"
)

// cmdChannel lists the configured channels and re-tests their credentials.
func cmdChannel(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{"channel needs a subcommand: list or verify"}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("channel "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	timeout := fs.Duration("timeout", 30*time.Second, "how long verify waits for each channel")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tENABLED\tWHERE")
		fmt.Fprintf(tw, "smtp\tsmtp\tyes\t%s\n", cfg.SMTP.Listen)
		for _, m := range cfg.IMAP {
			fmt.Fprintf(tw, "%s\timap\t%s\t%s@%s/%s (tls %s)\n", m.Name, yesNo(!m.Disabled), m.Username, m.Address, m.Mailbox, m.TLS)
		}
		if cfg.Mail.Relay != "" {
			fmt.Fprintf(tw, "relay\trelay\tyes\t%s\n", cfg.Mail.Relay)
		} else {
			fmt.Fprintf(tw, "relay\tfiles\tyes\t%s/\n", cfg.Mail.Dir)
		}
		fmt.Fprintf(tw, "slack\tslack\t%s\t%s\n", yesNo(cfg.Slack.Token != ""), cfg.Slack.APIURL)
		return tw.Flush()
	case "verify":
		if len(pos) != 1 {
			return usageError{"usage: channel verify NAME (an [[imap]] name, relay or slack)"}
		}
		vctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return verifyChannel(vctx, cfg, pos[0], stdout)
	}
	return usageError{fmt.Sprintf("unknown channel subcommand %q", sub)}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func verifyChannel(ctx context.Context, cfg *Config, name string, w io.Writer) error {
	for _, m := range cfg.IMAP {
		if m.Name != name {
			continue
		}
		r, err := imapin.Verify(ctx, imapOptions(m, cfg, discardLogger()))
		if err != nil {
			return fmt.Errorf("imap %s: %w", name, err)
		}
		fmt.Fprintf(w, "imap %s: ok: logged in as %s at %s, mailbox %s has %d messages (%d unseen), UIDVALIDITY %d, UIDNEXT %d\n",
			name, m.Username, m.Address, m.Mailbox, r.Messages, r.Unseen, r.UIDValidity, r.UIDNext)
		fmt.Fprintf(w, "  IDLE %s, MOVE %s; capabilities: %s\n", yesNo(r.IDLE), yesNo(r.MOVE), strings.Join(r.Capabilities, " "))
		return nil
	}
	switch name {
	case "relay":
		if cfg.Mail.Relay == "" {
			fmt.Fprintf(w, "relay: no relay configured; mail is written to %s/\n", cfg.Mail.Dir)
			return nil
		}
		return verifyRelay(ctx, cfg, w)
	case "slack":
		if cfg.Slack.Token == "" {
			return fmt.Errorf("slack: no token configured")
		}
		var opts []slack.Option
		if cfg.Slack.APIURL != "" {
			opts = append(opts, slack.OptionAPIURL(cfg.Slack.APIURL))
		}
		r, err := slack.New(cfg.Slack.Token, opts...).AuthTestContext(ctx)
		if err != nil {
			return fmt.Errorf("slack: auth.test: %w", err)
		}
		fmt.Fprintf(w, "slack: ok: team %s, bot user %s\n", r.Team, r.User)
		return nil
	}
	return fmt.Errorf("no channel named %q (see `helpdesk channel list`)", name)
}

func verifyRelay(ctx context.Context, cfg *Config, w io.Writer) error {
	type result struct {
		ext string
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := gosmtp.Dial(cfg.Mail.Relay)
		if err != nil {
			done <- result{err: fmt.Errorf("relay %s: dial: %w", cfg.Mail.Relay, err)}
			return
		}
		defer c.Close()
		if err := c.Hello(cfg.Domain); err != nil {
			done <- result{err: fmt.Errorf("relay %s: EHLO: %w", cfg.Mail.Relay, err)}
			return
		}
		_, size := c.Extension("SIZE")
		c.Quit()
		done <- result{ext: size}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		fmt.Fprintf(w, "relay %s: ok: EHLO accepted (SIZE %s)\n", cfg.Mail.Relay, r.ext)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("relay %s: no answer: %w", cfg.Mail.Relay, ctx.Err())
	}
}
