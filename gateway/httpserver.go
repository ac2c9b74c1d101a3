package gateway

import (
	"log/slog"
	"net"
	"net/http"

	"golang.org/x/net/netutil"

	"helpdesk/inbound/admin"
	"helpdesk/internal/buildinfo"
)

// maxHeaderBytes bounds a request's header section. Slack's requests and
// a browser's fit in a few KB; Go's default of 1 MB would let each of
// http.max_connections hold a megabyte before any handler runs.
const maxHeaderBytes = 64 << 10

// newHTTPServer builds the admin and Slack endpoints' server with the
// [http] bounds: every read and write has a deadline, and an idle
// kept-alive connection is closed after idle_timeout, so a client that
// opens connections and goes quiet cannot keep them (docs/operations.md,
// "Limits").
func (a *App) newHTTPServer() *http.Server {
	hc := a.cfg.HTTP
	h := admin.New(a.DB, admin.Options{Token: hc.Token, Version: buildinfo.Version(), Started: a.now(),
		Now: a.now, Channels: a.channels, Metrics: a.metrics, Credits: creditsSource(a.DB), Stopping: a.stopping.Load,
		Details: detailsSource(a.DB), Secret: []byte(a.cfg.Secret),
		Logger: a.log.With("component", "admin")})
	return &http.Server{
		Handler:           a.Slack.mount(a.mountFiles(h)),
		ReadHeaderTimeout: hc.ReadTimeout.Duration,
		ReadTimeout:       hc.ReadTimeout.Duration,
		WriteTimeout:      hc.WriteTimeout.Duration,
		IdleTimeout:       hc.IdleTimeout.Duration,
		MaxHeaderBytes:    maxHeaderBytes,
		// net/http reports accept failures (out of descriptors) and
		// protocol errors here; they belong in the log with the rest.
		ErrorLog: slog.NewLogLogger(a.log.With("component", "http").Handler(), slog.LevelWarn),
	}
}

// limitListener serves at most n connections at once: the others wait in
// the kernel's accept queue, holding none of the process's descriptors,
// so a flood of HTTP connections cannot starve SMTP intake or the
// database of them.
func limitListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return netutil.LimitListener(ln, n)
}

// checkFileLimit logs the open-file limit serve runs with, raised to its
// hard limit, and warns when http.max_connections could take half of it:
// SMTP sessions, the database and the relay need theirs.
func checkFileLimit(cfg *Config, log *slog.Logger) {
	soft, hard, err := openFileLimit()
	if err != nil {
		log.Debug("open file limit unknown", "err", err)
		return
	}
	log.Info("open file limit", "soft", soft, "hard", hard, "http_max_connections", cfg.HTTP.MaxConnections)
	if uint64(cfg.HTTP.MaxConnections)*2 > soft {
		log.Warn("http.max_connections may take half of the process's open files, which SMTP intake needs too: lower it or raise the limit (LimitNOFILE= under systemd)",
			"max_connections", cfg.HTTP.MaxConnections, "limit", soft)
	}
}
