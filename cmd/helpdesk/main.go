// Command helpdesk is the email- and Slack-driven helpdesk gateway: one
// binary over one SQLite file. See README.md for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"helpdesk/gateway"
	"helpdesk/store"
)

func main() {
	tuneGC()
	ctx := context.Background()
	if err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ()); err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "helpdesk:", err)
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(1)
	}
}

// tuneGC trades memory for CPU unless GOGC or GOMEMLIMIT say otherwise:
// the collector runs when the heap has grown by 400% instead of 100%,
// and more often again only as the heap nears 512 MiB. Parsing mail
// makes short-lived garbage at a high rate (about 85 KB a mail), and with
// Go's default intake over SMTP was 15-25% slower (docs/PERFORMANCE.md).
// The live heap of serve is a few MB, so the cost is tens of MB at most.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
}

const usage = `usage: helpdesk COMMAND [flags]

  serve                     run the gateway until SIGINT/SIGTERM
  demo                      run a self-contained demonstration and exit
  migrate                   create or upgrade the database
  bench [-n N] [-c C]       measure SMTP intake against a null server, in one run
  ticket list [--active] [--json]
  ticket show N [--json]
  ticket find MESSAGE-ID [--json]
  ticket act N ACTION [ARGS] [--agent ID]
                            an action as that agent, or without --agent as the admin;
                            ticket act N help [--agent ID] lists the actions
  queue [--json] [--limit N] active tickets awaiting a staff reply, in queue order
  sweep [--at RFC3339]      run the timer rules once, as if the clock read --at
  account entitle EMAIL subscription --until DATE | incident N
  credits show EMAIL [--json]   balance, lots and ledger of the account of EMAIL
  credits grant EMAIL --license cs-cart-first|cs-cart-additional|cs-cart-storefront|multivendor
  credits purchase EMAIL --package 25|50|100|200
  credits transfer FROM-EMAIL TO-EMAIL N | credits verify | credits preagree EMAIL on|off
  status [--json] [--direct] the running serve's /status as a table (else from the database)
  channel list [--json]     the channels (IMAP mailboxes, smtp, relay, slack) and whether enabled
  channel add NAME --address HOST:PORT --username U --password-file F [--tls none|starttls|implicit]
                            add an IMAP mailbox at run time
  channel enable|disable NAME
                            a running serve starts or stops it within seconds; a disabled
                            relay or slack holds its outbox rows until enabled
  channel remove NAME       remove a mailbox added with channel add
  channel verify NAME       log in to a mailbox, try the relay up to MAIL FROM (sending nothing)
                            and check the published DKIM key, EHLO the listener, or call Slack's auth.test
  quarantine list [--json]  mail that could not be processed
  quarantine show ID [--raw|--json] | retry ID | drop ID
  outbox list [--dead] [--json]  pending and dead notifications, with their attempts
  outbox retry ID|--all-dead     put dead notifications back to pending, due now
  backup FILE               copy the database while serve runs (never overwrites FILE)
  dkim keygen [--alg rsa|ed25519] [--out FILE] [--selector S] [--domain D]
                            a new key for signing outbound mail, and the DNS record to publish

Every command takes --config FILE (default $HELPDESK_CONFIG, else
helpdesk.toml when present, else built-in defaults) and --db PATH.
`

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// Run runs one command; it is main without the process around it, so
// tests can call it.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stderr, env)
	case "demo":
		return cmdDemo(ctx, args, stdout, stderr)
	case "bench":
		return cmdBench(ctx, args, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr, env)
	case "ticket":
		return cmdTicket(ctx, args, stdout, stderr, env)
	case "channel":
		return cmdChannel(ctx, args, stdout, stderr, env)
	case "status":
		return cmdStatus(ctx, args, stdout, stderr, env)
	case "quarantine":
		return cmdQuarantine(ctx, args, stdout, stderr, env)
	case "sweep":
		return cmdSweep(ctx, args, stdout, stderr, env)
	case "queue":
		return cmdQueue(ctx, args, stdout, stderr, env)
	case "account":
		return cmdAccount(ctx, args, stdout, stderr, env)
	case "credits":
		return cmdCredits(ctx, args, stdout, stderr, env)
	case "outbox":
		return cmdOutbox(ctx, args, stdout, stderr, env)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr, env)
	case "dkim":
		return cmdDKIM(ctx, args, stdout, stderr, env)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// common are the flags every command takes.
type common struct {
	config    string
	db        string
	logFormat string
}

func (c *common) register(fs *flag.FlagSet, env []string) {
	fs.StringVar(&c.config, "config", lookupEnv(env, "HELPDESK_CONFIG"), "configuration `file`")
	fs.StringVar(&c.db, "db", "", "database `path` (overrides store.path)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
}

func (c *common) load(env []string) (*gateway.Config, error) {
	cfg, err := LoadConfig(c.config, env)
	if err != nil {
		return nil, err
	}
	if c.db != "" {
		cfg.Store.Path = c.db
	}
	return cfg, nil
}

// open loads the configuration and opens (migrating if needed) its
// database: what most commands start with.
func (c *common) open(ctx context.Context, env []string) (*gateway.Config, *store.DB, error) {
	cfg, err := c.load(env)
	if err != nil {
		return nil, nil, err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

func (c *common) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: redact}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func lookupEnv(env []string, key string) string {
	for _, kv := range env {
		if len(kv) > len(key) && kv[:len(key)] == key && kv[len(key)] == '=' {
			return kv[len(key)+1:]
		}
	}
	return ""
}

// parse parses flags that may come before, between or after positional
// arguments (`ticket show 5 --json`), and returns the positionals.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	grace := fs.Duration("grace", 30*time.Second, "how long shutdown waits for work in progress")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"serve takes no arguments"}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	log := c.logger(stderr)
	app, err := gateway.NewApp(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := app.Start(ctx); err != nil {
		app.DB.Close()
		return err
	}
	sig := <-sigs
	log.Info("stopping: intake closed, draining", "signal", sig.String(), "grace", grace.String())
	sctx, cancel := context.WithTimeout(ctx, *grace)
	defer cancel()
	go func() {
		// A second signal does not wait for the grace period.
		<-sigs
		log.Warn("second signal: exiting now")
		cancel()
	}()
	if err := app.Shutdown(sctx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, db, err := c.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: schema version %d\n", cfg.Store.Path, v)
	return nil
}
