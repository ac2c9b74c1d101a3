package gateway

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Serve runs the gateway on cfg until SIGINT or SIGTERM (`helpdesk
// serve`). It holds the serve lock of the database throughout, creates
// or upgrades its schema first (store.UpgradeSchema), and calls reload
// for each SIGHUP. On the stopping signal intake closes and the work in
// progress drains for at most grace; a second signal does not wait.
func Serve(ctx context.Context, cfg *Config, log *slog.Logger, grace time.Duration, reload func(context.Context, *App)) error {
	// One serve per database, held until the process ends.
	release, up, err := upgradeForServe(ctx, cfg)
	if err != nil {
		return err
	}
	defer release()
	if up.Created || up.From != up.To {
		log.Info("database schema upgraded", "db", up.Path, "from", up.From, "to", up.To, "backup", up.Backup)
	}
	warnFileModes(cfg, log)
	checkFileLimit(cfg, log)
	app, err := NewApp(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := app.Start(ctx); err != nil {
		app.DB.Close()
		return err
	}
	sig := waitStop(ctx, sigs, app, reload)
	log.Info("stopping: intake closed, draining", "signal", sig.String(), "grace", grace.String())
	sctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	go func() {
		// A second signal does not wait for the grace period.
		for s := range sigs {
			if s != syscall.SIGHUP {
				break
			}
		}
		log.Warn("second signal: exiting now")
		cancel()
	}()
	if err := app.Shutdown(sctx); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// waitStop waits for a signal that stops serve (SIGINT, SIGTERM) and
// returns it; each SIGHUP on the way reloads the configuration.
func waitStop(ctx context.Context, sigs <-chan os.Signal, app *App, reload func(context.Context, *App)) os.Signal {
	for {
		sig := <-sigs
		if sig != syscall.SIGHUP {
			return sig
		}
		reload(ctx, app)
	}
}
