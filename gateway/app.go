package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"sync"
	"sync/atomic"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/admin"
	imapin "helpdesk/inbound/imap"
	inmail "helpdesk/inbound/mail"
	smtpin "helpdesk/inbound/smtp"
	"helpdesk/internal/buildinfo"
	"helpdesk/outbound"
	"helpdesk/store"
)

// App is the gateway wired together: the same value runs `serve`, the
// demo and the end-to-end tests.
type App struct {
	cfg    *Config
	log    *slog.Logger
	now    func() time.Time
	DB     *store.DB
	Core   *core.Service
	Worker *outbound.Worker
	Slack  *slackDesk // the Slack desk; nil when Slack is not configured

	Pollers []*imapin.Poller // the configured mailboxes enabled at start
	// standby holds the leases (leases.go) this gateway waits for while
	// another gateway holds them: its mailboxes there are on standby.
	standby sync.Map
	metrics *admin.Metrics
	sup     *supervisor // channels: enable, disable, add, remove at run time
	smtp    *smtpin.Server
	http    *http.Server
	// budget is the memory of mail being read and parsed, shared by the
	// SMTP server and every IMAP poller ([limits] parse_memory).
	budget   *inmail.Budget
	SMTPAddr string // bound address, known after Start
	HTTPAddr string

	// Intake (SMTP sessions, IMAP pollers) stops before the outbox worker,
	// so nothing new is committed while the outbox drains.
	journal              *outbound.Journal
	relay                *outbound.Relay // nil without [mail] relay; its idle connections close last
	stopping             atomic.Bool     // set when Shutdown begins: /readyz turns 503
	stopIntake, stopWork context.CancelFunc
	intake, work         sync.WaitGroup

	// live is cfg with the reloadable parts of the last Reload.
	live     atomic.Pointer[Config]
	reloadMu sync.Mutex // one Reload at a time
}

// NewApp opens the database and builds every component. now may be nil.
func NewApp(ctx context.Context, cfg *Config, log *slog.Logger, now func() time.Time) (*App, error) {
	if now == nil {
		now = time.Now
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, now: now, DB: db}
	a.live.Store(cfg)
	if err := a.build(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// build wires the components in the order they depend on each other:
// core; the outbox worker, which asks the supervisor what to hold; then
// the intake (SMTP, IMAP pollers, the Slack desk), which kicks the worker.
func (a *App) build(ctx context.Context) error {
	channels, err := a.newCore()
	if err != nil {
		return err
	}
	a.metrics = admin.NewMetrics()
	a.budget = inmail.NewBudget(a.cfg.ParseMemory())
	a.sup = newSupervisor(a)
	if err := a.newWorker(channels); err != nil {
		return err
	}
	if a.smtp, err = a.newSMTP(); err != nil {
		return err
	}
	if err := SeedChannels(ctx, a.DB, a.cfg); err != nil {
		return err
	}
	if err := a.configPollers(); err != nil {
		return err
	}
	a.Slack, err = newSlackDesk(a)
	return err
}

// newCore builds the core service from the departments, the calendar and
// the rules, and returns each department's Slack channel for the worker.
func (a *App) newCore() (channels map[string]string, err error) {
	cfg := a.cfg
	depts, channels := departments(cfg)
	cal, err := cfg.BusinessCalendar()
	if err != nil {
		return nil, err
	}
	rules := cfg.CoreRules()
	a.Core, err = core.NewService(a.DB, core.Options{
		Domain: cfg.Domain, Secret: []byte(cfg.Secret), Departments: depts, Now: a.now,
		Rules: &rules, Calendar: cal, Logger: a.log.With("component", "core"),
		AutoMailLimit: cfg.Mail.AutoLimitPerHour, Limits: cfg.Limits.mailLimits(),
		UnsignedReturnPath: cfg.Mail.ReturnPath == ReturnPathFrom, PublicURL: cfg.HTTP.PublicURL,
	})
	return channels, err
}

// The store tells the worker whether a ticket's card may still come, so
// that a dead card holds back none of its thread.
var _ outbound.CardQueue = (*store.DB)(nil)

// On PostgreSQL the store claims the rows a gateway reads, and the
// worker renews its batch's claims while the batch runs.
var _ outbound.ClaimQueue = (*store.DB)(nil)

// The store keeps the files rows carry: customers' attachments are read
// from their raw mail, agents' files are kept for the answer's mail.
var _ outbound.FileQueue = (*store.DB)(nil)

// newWorker builds the outbox worker with its mailer (the relay, or .eml
// files without one), its Slack (the API, or the log without a token)
// and its journal.
func (a *App) newWorker(channels map[string]string) error {
	cfg := a.cfg
	from, err := cfg.FromAddress()
	if err != nil {
		return err
	}
	var mailer outbound.Mailer = outbound.Dir(cfg.Mail.Dir)
	if cfg.Mail.Relay != "" {
		if a.relay, err = cfg.Relay(); err != nil {
			return err
		}
		mailer = a.relay
	}
	var slack outbound.Slack = outbound.NewSlackLog(a.log)
	if cfg.Slack.Token != "" {
		slack = outbound.NewSlackAPI(cfg.Slack.Token, cfg.Slack.APIURL)
	}
	// The journal of rows sent but not yet marked lives next to the
	// database, like its -wal file.
	journal, unmarked, err := outbound.OpenJournal(cfg.Store.Path + "-sent")
	if err != nil {
		return err
	}
	a.journal = journal
	dkim, err := cfg.DKIMSigner()
	if err != nil {
		return err
	}
	a.Worker = outbound.NewWorker(a.DB, mailer, slack, outbound.Options{
		From: from, DKIM: dkim, Channels: channels, Now: a.now, Logger: a.log.With("component", "outbound"),
		PollInterval: cfg.Outbox.PollInterval.Duration, RetryBase: cfg.Outbox.RetryBase.Duration, Hold: a.sup.holds, Report: a.sup.report,
		Journal: journal, Unmarked: unmarked, Delivered: a.delivered, UploadMaxBytes: cfg.Slack.UploadMaxBytes,
		ClaimRenew: store.OutboxClaim / 4,
	})
	return nil
}

// newSMTP builds the SMTP listener, which refuses mail while the smtp
// channel is disabled.
func (a *App) newSMTP() (*smtpin.Server, error) {
	cfg := a.cfg
	recv := kicker{a.Core, a.Worker}
	smtpOpts := smtpin.Options{
		Hostname: cfg.SMTP.Hostname, MaxMessageBytes: cfg.SMTP.MaxMessageBytes,
		Logger: a.log.With("component", "smtp"), Refuse: a.sup.smtpOff.Load,
		ReadTimeout: cfg.SMTP.ReadTimeout.Duration, WriteTimeout: cfg.SMTP.WriteTimeout.Duration,
		MaxConnsPerIP: cfg.SMTP.MaxConnsPerIP, MaxConns: cfg.SMTP.MaxConns, MaxMessagesPerMinute: cfg.SMTP.MaxMessagesPerMinute,
		// AUTH in the clear only from loopback peers (the package's rule).
		AuthUsername: cfg.SMTP.AuthUsername, AllowInsecureAuth: true,
		TrustedAuthservID: cfg.Auth.TrustedAuthservID,
		ParseOptions:      cfg.ParseOptions(), ParseBudget: a.budget,
	}
	a.observeSMTP(&smtpOpts)
	var err error
	if smtpOpts.Verifier, err = a.senderVerifier(); err != nil {
		return nil, err
	}
	if cfg.SMTP.TLSCert != "" {
		if smtpOpts.TLSConfig, err = smtpin.LoadTLSConfig(cfg.SMTP.TLSCert, cfg.SMTP.TLSKey); err != nil {
			return nil, err
		}
	}
	if cfg.SMTP.AuthPasswordFile != "" {
		if smtpOpts.AuthPassword, err = readSecretFile(cfg.SMTP.AuthPasswordFile); err != nil {
			return nil, fmt.Errorf("smtp.auth_password_file: %w", err)
		}
	}
	return smtpin.New(countingReceiver{recv, "smtp", a.metrics}, smtpOpts), nil
}

// configPollers builds the pollers of the file's enabled mailboxes; the
// supervisor starts them.
func (a *App) configPollers() error {
	for _, m := range a.cfg.IMAP {
		if m.Disabled {
			continue
		}
		c := store.Channel{Name: m.Name, Kind: store.ChannelIMAP, Source: store.SourceConfig}
		p, err := a.newPoller(c)
		if err != nil {
			return err
		}
		a.Pollers = append(a.Pollers, p)
		a.sup.pollers[m.Name] = &pollerRun{p: p, settings: a.settingsKey(c)}
	}
	return nil
}

// IMAPOptions are the poller options of mailbox m; `channel verify` dials
// with the same ones serve polls with.
func IMAPOptions(m IMAPConfig, cfg *Config, log *slog.Logger) imapin.Options {
	return imapin.Options{
		Name: m.Name, Address: m.Address, TLS: m.TLS, CAFile: m.CAFile,
		Username: m.Username, Password: m.Password, Auth: m.Auth, Mailbox: m.Mailbox,
		PollInterval: m.PollInterval.Duration, IDLE: *m.IDLE,
		ProcessedMailbox: m.ProcessedMailbox, FailedMailbox: m.FailedMailbox,
		MaxMessageBytes: cfg.SMTP.MaxMessageBytes, TrustedAuthservID: cfg.Auth.TrustedAuthservID,
		ParseOptions: cfg.ParseOptions(),
		Logger:       log.With("component", "imap"), // the poller adds imap=NAME and mailbox=FOLDER
	}
}

// Config is the configuration in effect: the one the gateway was built
// from, with the reloadable parts of the last Reload.
func (a *App) Config() *Config { return a.live.Load() }

// channels reports every channel's state for /status.
func (a *App) channels() []admin.Channel { return a.sup.channels() }

// kicker wakes the outbox worker as soon as a mail's transaction has
// committed, so notifications go out at once instead of at the next poll.
type kicker struct {
	*core.Service
	w *outbound.Worker
}

func (k kicker) Receive(ctx context.Context, e *core.Email) (*core.Receipt, error) {
	rc, err := k.Service.Receive(ctx, e)
	if err == nil {
		k.w.Kick()
	}
	return rc, err
}

func (k kicker) ReceiveAll(ctx context.Context, mails []*core.Email) ([]*core.Receipt, []error) {
	rcs, errs := k.Service.ReceiveAll(ctx, mails)
	k.w.Kick()
	return rcs, errs
}

// FromAddress is the sender of every notice: [mail] from, else the
// first department's address.
func (c *Config) FromAddress() (core.Address, error) {
	from := c.Mail.From
	if from == "" {
		names := c.DepartmentNames()
		from = "Support <" + c.Departments[names[0]].Addresses[0] + ">"
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return core.Address{}, fmt.Errorf("mail.from %q: %w", from, err)
	}
	return core.Address{Name: a.Name, Addr: a.Address}, nil
}

// Start binds the listeners and starts the outbox worker.
func (a *App) Start(ctx context.Context) error {
	// Config.Validate refused weak secrets beyond loopback already; this
	// guards an App built from a configuration that skipped it.
	if errs := a.cfg.validateExposure(); len(errs) > 0 {
		return errors.Join(errs...)
	}
	smtpLn, err := net.Listen("tcp", a.cfg.SMTP.Listen)
	if err != nil {
		return fmt.Errorf("smtp listen: %w", err)
	}
	httpLn, err := net.Listen("tcp", a.cfg.HTTP.Listen)
	if err != nil {
		smtpLn.Close()
		return fmt.Errorf("http listen: %w", err)
	}
	a.SMTPAddr, a.HTTPAddr = smtpLn.Addr().String(), httpLn.Addr().String()
	a.http = a.newHTTPServer()
	httpLn = limitListener(httpLn, a.cfg.HTTP.MaxConnections)
	intakeCtx, stopIntake := context.WithCancel(ctx)
	workCtx, stopWork := context.WithCancel(ctx)
	a.stopIntake, a.stopWork = stopIntake, stopWork
	a.run(&a.intake, "smtp", func() error { return a.smtp.Serve(smtpLn) })
	a.Slack.start(intakeCtx, a)
	a.sup.start(intakeCtx, &a.intake)
	a.run(&a.work, "http", func() error {
		if err := a.http.Serve(httpLn); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	a.run(&a.work, "outbound", func() error { return a.Worker.Run(workCtx) })
	a.run(&a.work, "sweep", func() error { return a.underLease(workCtx, "sweep", a.sweepLoop) })
	a.log.Info("helpdesk started", "smtp", a.SMTPAddr, "http", a.HTTPAddr, "db", DescribeStore(a.cfg), "version", buildinfo.Version())
	return nil
}

// sweepLoop runs the timer rules every sweep.interval until ctx ends.
func (a *App) sweepLoop(ctx context.Context) error {
	tick := time.NewTicker(a.cfg.Sweep.Interval.Duration)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		start := time.Now()
		res, err := a.Core.Sweep(ctx)
		a.metrics.Swept(time.Since(start))
		if err != nil {
			a.log.Error("sweep failed", "err", err)
			continue
		}
		if res.PreClosed+res.Closed+res.AtRisk+res.Breached > 0 {
			a.Worker.Kick()
		}
		a.log.Debug("sweep", "checked", res.Checked, "pre_closed", res.PreClosed, "closed", res.Closed,
			"at_risk", res.AtRisk, "breached", res.Breached, "took", time.Since(start))
	}
}

func (a *App) run(wg *sync.WaitGroup, name string, fn func() error) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := fn(); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("component stopped", "component", name, "err", err)
		}
	}()
}

// Shutdown stops intake first (no new SMTP sessions, IMAP pollers leave
// IDLE and log out; work in progress finishes its transaction), then gives
// the outbox until ctx is done to send what is due, then stops everything
// and closes the database.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	a.stopping.Store(true)
	if a.stopIntake != nil {
		a.stopIntake()
		if err := a.smtp.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("smtp shutdown: %w", err))
		}
		a.intake.Wait()
		if err := a.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		a.stopWork()
		a.work.Wait()
		if _, err := a.Worker.Drain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drain outbox: %w", err))
		}
	}
	if a.relay != nil {
		if err := a.relay.Close(); err != nil {
			errs = append(errs, fmt.Errorf("relay: %w", err))
		}
	}
	if err := a.journal.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := a.DB.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
