package main

import (
	"context"
	"log/slog"

	"helpdesk/gateway"
)

// reloader re-reads serve's configuration on SIGHUP.
type reloader struct {
	c     *common
	env   []string
	level *slog.LevelVar
	log   *slog.Logger
}

// reload loads the configuration file and the environment again and
// applies what a running gateway can take (gateway.App.Reload). A
// configuration with errors is refused as a whole: the running one stays.
func (r *reloader) reload(ctx context.Context, app *gateway.App) {
	r.log.Info("SIGHUP: reloading the configuration", "config", r.c.config)
	cfg, err := r.c.load(r.env)
	if err != nil {
		r.log.Error("reload refused: the configuration has errors; the running one stays", "err", err)
		return
	}
	rep, err := app.Reload(ctx, cfg)
	if err != nil && rep == nil {
		r.log.Error("reload refused; the running configuration stays", "err", err)
		return
	}
	r.level.Set(r.c.level) // log.level, unless --log-level was given
	rep.Log(r.log)
	if err != nil {
		r.log.Error("reload incomplete", "err", err)
	}
	r.log.Info("templates are built into the binary: a new binary, and a restart, changes them")
}
