package demo

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/gateway"
	"helpdesk/internal/dnstest"
)

// Env is the gateway running on loopback with its stand-ins: the
// capture relay and the fake Slack. The end-to-end tests use it too.
type Env struct {
	App   *gateway.App
	Relay *CaptureRelay
	Slack *FakeSlack
	IMAP  *MemIMAP
	// DNS is the gateway's resolver ([auth] dns): it publishes SPF and
	// DMARC for shop.example (Zone), so the demo's customers, mailing
	// from loopback, are authenticated senders (docs/rules.md §6).
	DNS *dnstest.Server
	dir string
}

// Zone is what the demo's DNS serves: shop.example lets loopback send
// its mail (SPF) and publishes DMARC p=none.
func Zone() dnstest.Zone {
	return dnstest.Zone{
		"shop.example":        {TXT: []string{"v=spf1 ip4:127.0.0.0/8 ip6:::1 -all"}},
		"_dmarc.shop.example": {TXT: []string{"v=DMARC1; p=none"}},
	}
}

// Start runs the gateway with its stand-ins in dir.
func Start(ctx context.Context, dir string, log *slog.Logger) (*Env, error) {
	return StartWith(ctx, dir, log, nil)
}

// StartWith is Start with configure, when not nil, changing the
// configuration before the gateway is built.
func StartWith(ctx context.Context, dir string, log *slog.Logger, configure func(*gateway.Config)) (*Env, error) {
	relay, err := StartCaptureRelay()
	if err != nil {
		return nil, err
	}
	slack := StartFakeSlack()
	mbox, err := StartMemIMAP("support", "secret")
	if err != nil {
		relay.Close()
		slack.Close()
		return nil, err
	}
	dns, err := dnstest.NewServer(Zone(), dnstest.Options{})
	if err != nil {
		relay.Close()
		slack.Close()
		mbox.Close()
		return nil, err
	}
	cfg := gateway.DefaultConfig()
	cfg.IMAP = []gateway.IMAPConfig{{Name: "mailbox", Address: mbox.Addr, Username: "support", Password: "secret"}}
	cfg.Store.Path = filepath.Join(dir, "helpdesk.db")
	cfg.SMTP.Listen = "127.0.0.1:0"
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Mail.Relay = relay.Addr
	cfg.Mail.From = "Example Support <support@support.example.com>"
	cfg.Slack.Token = BotToken
	// Commands such as `sweep` write outbox rows from another process;
	// the worker picks them up at its next poll.
	cfg.Outbox.PollInterval = gateway.Duration{Duration: 100 * time.Millisecond}
	cfg.Departments["support"] = gateway.DepartmentConfig{SlackChannel: "C0SUPPORT", Heads: []string{"U0HEAD"}}
	cfg.Slack.APIURL = slack.URL()
	// The fake Slack answers buttons at its own loopback address.
	cfg.Slack.ResponseURLHosts = []string{"127.0.0.1"}
	cfg.Slack.SigningSecret = SigningSecret
	cfg.Agents = []gateway.AgentConfig{{ID: "U0AGENT", Name: "Dana", Email: "dana@support.example.com", Departments: []string{"support"}}}
	cfg.Auth.DNS = dns.Addr()
	if configure != nil {
		configure(cfg)
	}
	cfg.FillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	app, err := gateway.NewApp(ctx, cfg, log, nil)
	if err == nil {
		err = app.Start(ctx)
	}
	if err != nil {
		relay.Close()
		slack.Close()
		mbox.Close()
		dns.Close()
		return nil, err
	}
	return &Env{App: app, Relay: relay, Slack: slack, IMAP: mbox, DNS: dns, dir: dir}, nil
}

func (d *Env) Close(ctx context.Context) error {
	err := d.App.Shutdown(ctx)
	d.Relay.Close()
	d.Slack.Close()
	d.IMAP.Close()
	d.DNS.Close()
	return err
}

// Send delivers one mail to the gateway's SMTP listener, like a relay
// would, and returns its answer (nil for 250).
func (d *Env) Send(from string, to []string, msg string) error {
	c, err := gosmtp.Dial(d.App.SMTPAddr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("mx.customer.example"); err != nil {
		return err
	}
	if err := c.SendMail(from, to, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// WaitFor polls cond until it holds or 15 seconds pass. The outbox
// worker runs on its own goroutine, woken when a mail commits. What it
// waits for takes well under a second alone, but a test suite running
// with the race detector beside other packages' tests made a few seconds
// of it (a card's 100 uploads) miss a shorter limit.
func WaitFor(cond func() bool) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func readHeader(raw []byte) (*gomail.Header, error) {
	r, err := gomail.CreateReader(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("read captured mail: %w", err)
	}
	return &r.Header, nil
}
