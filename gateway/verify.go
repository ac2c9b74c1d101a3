package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/slack-go/slack"

	imapin "helpdesk/inbound/imap"
	"helpdesk/outbound"
	"helpdesk/store"
)

// VerifyChannel re-tests a channel's credentials: IMAP login and select,
// the relay up to MAIL FROM (TLS and AUTH included) and the published DKIM
// key of its signed mail, EHLO to our own SMTP
// listener, Slack auth.test. The error says exactly which step failed.
func VerifyChannel(ctx context.Context, db *store.DB, cfg *Config, name string, w io.Writer) error {
	rows, err := db.Channels(ctx)
	if err != nil {
		return err
	}
	var ch *store.Channel
	for i := range rows {
		if rows[i].Name == name {
			ch = &rows[i]
		}
	}
	if ch == nil {
		return fmt.Errorf("no channel named %q (see `helpdesk channel list`)", name)
	}
	if ch.Kind == store.ChannelRelay {
		if err := verifyDKIM(ctx, cfg, w); err != nil {
			return err
		}
	}
	switch ch.Kind {
	case store.ChannelSMTP:
		size, err := ehlo(ctx, cfg.SMTP.Listen, cfg.Domain)
		if err != nil {
			return fmt.Errorf("smtp listener: %w (is serve running?)", err)
		}
		fmt.Fprintf(w, "smtp %s: ok: EHLO accepted (SIZE %s)\n", cfg.SMTP.Listen, size)
		return nil
	case store.ChannelRelay:
		if cfg.Mail.Relay == "" {
			fmt.Fprintf(w, "relay: no relay configured; mail is written to %s/\n", cfg.Mail.Dir)
			return nil
		}
		return verifyRelay(ctx, cfg, w)
	case store.ChannelSlack:
		if cfg.Slack.Token == "" {
			return fmt.Errorf("slack: no token configured (posts are only logged)")
		}
		var opts []slack.Option
		if cfg.Slack.APIURL != "" {
			opts = append(opts, slack.OptionAPIURL(cfg.Slack.APIURL))
		}
		r, err := slack.New(cfg.Slack.Token, opts...).AuthTestContext(ctx)
		if err != nil {
			return fmt.Errorf("slack: auth.test refused: %w", err)
		}
		fmt.Fprintf(w, "slack: ok: team %s, bot user %s\n", r.Team, r.User)
		return nil
	}
	m, err := ChannelIMAP(cfg, *ch)
	if err != nil {
		return err
	}
	r, err := imapin.Verify(ctx, IMAPOptions(*m, cfg, slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		return fmt.Errorf("imap %s: %w", name, err)
	}
	fmt.Fprintf(w, "imap %s: ok: logged in as %s at %s, mailbox %s has %d messages (%d unseen), UIDVALIDITY %d, UIDNEXT %d\n",
		name, m.Username, m.Address, m.Mailbox, r.Messages, r.Unseen, r.UIDValidity, r.UIDNext)
	fmt.Fprintf(w, "  IDLE %s, MOVE %s; capabilities: %s\n", yesNo(r.IDLE), yesNo(r.MOVE), strings.Join(r.Capabilities, " "))
	return nil
}

// verifyRelay runs the relay's steps up to MAIL FROM and RSET, sending
// nothing, and prints each step that went through.
func verifyRelay(ctx context.Context, cfg *Config, w io.Writer) error {
	r, err := cfg.Relay()
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	cfg.FillDefaults() // as the loader does; FromAddress needs the departments' addresses
	from, err := cfg.FromAddress()
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	fmt.Fprintf(w, "relay %s: tls %s", r.Addr, r.TLS)
	if r.Username != "" {
		fmt.Fprintf(w, ", user %s", r.Username)
	}
	fmt.Fprintln(w)
	err = r.Verify(ctx, cfg.returnPathExample(from.Addr), func(step, detail string) {
		fmt.Fprintf(w, "  %s: ok: %s\n", step, detail)
	})
	if err != nil {
		return fmt.Errorf("relay: %s: %w", r.Addr, err)
	}
	fmt.Fprintf(w, "relay %s: ok: nothing was sent\n", r.Addr)
	return nil
}

// ehlo dials addr and says EHLO; it returns the SIZE the server offers.
func ehlo(ctx context.Context, addr, domain string) (string, error) {
	type result struct {
		size string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := gosmtp.Dial(addr)
		if err != nil {
			done <- result{err: fmt.Errorf("%s: dial: %w", addr, err)}
			return
		}
		defer c.Close()
		if err := c.Hello(domain); err != nil {
			done <- result{err: fmt.Errorf("%s: EHLO: %w", addr, err)}
			return
		}
		_, size := c.Extension("SIZE")
		c.Quit()
		done <- result{size: size}
	}()
	select {
	case r := <-done:
		return r.size, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("%s: no answer: %w", addr, ctx.Err())
	}
}

// verifyDKIM checks that the key [mail] dkim_key_file signs with is the
// one published at selector._domainkey.domain. When DNS cannot be reached
// it says so and does not fail: the check is then left to do.
func verifyDKIM(ctx context.Context, cfg *Config, w io.Writer) error {
	signer, err := cfg.DKIMSigner()
	if err != nil {
		return fmt.Errorf("dkim: %w", err)
	}
	if signer == nil {
		fmt.Fprintln(w, "dkim: off (mail.dkim_domain is empty): mail goes out unsigned")
		return nil
	}
	want, err := outbound.DKIMRecord(signer.Public())
	if err != nil {
		return fmt.Errorf("dkim: %w", err)
	}
	res, err := cfg.Resolver()
	if err != nil {
		return err
	}
	name := signer.RecordName()
	txts, err := res.LookupTXT(ctx, name)
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return fmt.Errorf("dkim: no TXT record at %s; publish %q (see `helpdesk dkim keygen`)", name, want)
	case err != nil:
		fmt.Fprintf(w, "dkim %s: not checked, DNS did not answer: %v\n", name, err)
		return nil
	}
	wantKey := dkimTag(want, "p")
	for _, txt := range txts {
		if dkimTag(txt, "p") == wantKey {
			fmt.Fprintf(w, "dkim %s: ok: the published key is the one in %s\n", name, cfg.Mail.DKIMKeyFile)
			return nil
		}
	}
	return fmt.Errorf("dkim: the record at %s does not hold the key in %s: publish %q", name, cfg.Mail.DKIMKeyFile, want)
}

// dkimTag is the value of tag in a DKIM key record (RFC 6376 section
// 3.6.1), with its white space removed; "" when absent.
func dkimTag(record, tag string) string {
	for _, kv := range strings.Split(record, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.TrimSpace(k) == tag {
			return strings.Join(strings.Fields(v), "")
		}
	}
	return ""
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
