// Command helpdesk is the email- and Slack-driven helpdesk gateway: one
// binary over one SQLite file. See README.md for the commands.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"helpdesk/gateway"
	"helpdesk/internal/cmem"
	"helpdesk/internal/termsafe"
	"helpdesk/store"
)

func main() {
	tuneGC()
	ctx := context.Background()
	if err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ()); err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "run helpdesk help for the commands, helpdesk help COMMAND for one's flags")
		}
		os.Exit(exitCode(err))
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

// usage is the global help: the commands, one or a few lines each, which
// `helpdesk help CMD` also cuts a command's lines from.
//
//go:embed usage.txt
var usage string

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// configError is a configuration that cannot be used: a bad file, an
// unknown key or variable, a value that does not validate.
type configError struct{ err error }

func (c configError) Error() string { return c.err.Error() }
func (c configError) Unwrap() error { return c.err }

// exitCode is the process's exit code for a command's error: 2 for a
// usage or configuration error, 1 for a failure at run time.
func exitCode(err error) int {
	var u usageError
	var c configError
	if errors.As(err, &u) || errors.As(err, &c) {
		return 2
	}
	return 1
}

// Run runs one command; it is main without the process around it, so
// tests can call it.
//
// Everything a command prints as text passes through termsafe: a
// customer's subject or body can hold escape sequences that retitle,
// clear or rewrite the admin's terminal, and the same text piped to a
// file would do so when someone cats it. JSON (writeJSON) and a raw
// message (quarantine show --raw) are written exact, through
// termsafe.Raw.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	out := termsafe.NewWriter(stdout)
	defer out.Flush()
	err := run(ctx, args, out, stderr, env)
	var h helpRequested
	if errors.As(err, &h) {
		fmt.Fprint(out, h.text)
		return nil
	}
	return err
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	cmd, args := args[0], args[1:]
	if groups[cmd] && len(args) > 0 && isHelpFlag(args[0]) {
		return groupHelp(cmd, stdout)
	}
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
	case "profile":
		return cmdProfile(ctx, args, stdout, stderr, env)
	case "credits":
		return cmdCredits(ctx, args, stdout, stderr, env)
	case "reply-template":
		return cmdReplyTemplate(ctx, args, stdout, stderr, env)
	case "outbox":
		return cmdOutbox(ctx, args, stdout, stderr, env)
	case "backup":
		return cmdBackup(ctx, args, stdout, stderr, env)
	case "dkim":
		return cmdDKIM(ctx, args, stdout, stderr, env)
	case "version":
		return cmdVersion(ctx, args, stdout, stderr, env)
	case "help", "-h", "--help", "-help":
		return helpCommand(ctx, args, stdout, stderr, env)
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// common are the flags every command takes.
type common struct {
	config    string
	db        string
	logFormat string
	logLevel  string     // the flag; "" means log.level of the configuration
	level     slog.Level // the level in effect, set by load
}

func (c *common) register(fs *flag.FlagSet, env []string) {
	fs.StringVar(&c.config, "config", lookupEnv(env, "HELPDESK_CONFIG"), "configuration `file`")
	fs.StringVar(&c.db, "db", "", "database `path` (overrides store.path)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "", "log level: debug, info, warn or error (default log.level, else info)")
}

func (c *common) load(env []string) (*gateway.Config, error) {
	if c.logFormat != "" && c.logFormat != "text" && c.logFormat != "json" {
		return nil, usageError{fmt.Sprintf("--log-format %q is not text or json", c.logFormat)}
	}
	if c.logLevel != "" {
		if _, err := gateway.ParseLogLevel(c.logLevel); err != nil {
			return nil, usageError{"--log-level: " + err.Error()}
		}
	}
	cfg, err := gateway.LoadConfig(c.config, env)
	if err != nil {
		return nil, configError{err}
	}
	level := cfg.Log.Level
	if c.logLevel != "" {
		level = c.logLevel
	}
	c.level, _ = gateway.ParseLogLevel(level)
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

func (c *common) logger(w io.Writer) *slog.Logger { return c.loggerAt(w, c.level) }

// loggerAt is logger at a level of the caller's (serve's can change on
// SIGHUP).
func (c *common) loggerAt(w io.Writer, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: gateway.Redact, Level: level}
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
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, commandHelp(fs)
		} else if err != nil {
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
	level := new(slog.LevelVar)
	level.Set(c.level)
	log := c.loggerAt(stderr, level)
	tuneServeMemory(cfg)
	r := &reloader{c: &c, env: env, level: level, log: log}
	return gateway.Serve(ctx, cfg, log, *grace, r.reload)
}

// tuneServeMemory bounds serve's memory by the mail it reads at once
// ([limits] parse_memory): the collector's soft limit follows it (see
// gateway.Config.MemoryLimit) unless GOMEMLIMIT is set, and large C
// blocks go back to the system when freed.
func tuneServeMemory(cfg *gateway.Config) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cfg.MemoryLimit())
	}
	cmem.ReturnLargeBlocks()
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	to := fs.String("to", "", "copy the SQLite database into an empty database of this `driver` (postgres) at the DSN given after it")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *to != "":
		if *to != "postgres" || len(pos) != 1 {
			return usageError{"usage: migrate --to postgres DSN [--json]"}
		}
	case len(pos) > 0:
		return usageError{"migrate takes no arguments (but migrate --to postgres DSN)"}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	if *to != "" {
		return copyToPostgres(ctx, cfg, pos[0], *asJSON, stdout)
	}
	up, err := gateway.MigrateStore(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, up)
	}
	switch {
	case up.Created:
		fmt.Fprintf(stdout, "%s: created, schema version %d\n", up.Path, up.To)
	case up.From != up.To:
		fmt.Fprintf(stdout, "%s: schema version %d, upgraded from %d (backup %s)\n", up.Path, up.To, up.From, up.Backup)
	default:
		fmt.Fprintf(stdout, "%s: schema version %d, up to date\n", up.Path, up.To)
	}
	return nil
}
