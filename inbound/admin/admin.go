// Package admin serves the gateway's HTTP status surface: /healthz for a
// liveness probe and /status, a JSON summary for admins and monitoring:
// tickets, outbox backlog, quarantined mail and each channel's state.
// Everything but /healthz needs the bearer token when one is configured.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"helpdesk/store"
)

// Source gives the figures that /status shows.
type Source interface {
	Counts(ctx context.Context) (*store.Counts, error)
}

// Options configure the handler. Zero values are documented per field.
type Options struct {
	// Token required as "Authorization: Bearer TOKEN" on every path but
	// /healthz; "" means no token is asked (loopback only, see cmd).
	Token string
	// Version is shown on /status.
	Version string
	// Started is when the process started, for the uptime.
	Started time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Channels reports the state of each inbound and outbound channel;
	// nil means none are shown.
	Channels func() []Channel
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Channel is one channel's state on /status.
type Channel struct {
	Name        string     `json:"name"`
	Kind        string     `json:"kind"`  // imap, smtp, relay, slack
	State       string     `json:"state"` // e.g. idle, polling, backing_off, listening
	Connected   bool       `json:"connected"`
	LastSuccess *time.Time `json:"last_success"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	Processed   int64      `json:"processed"`
	Quarantined int64      `json:"quarantined"`
}

// New returns the admin handler.
func New(src Source, opts Options) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default().With("component", "admin")
	}
	h := &handler{src: src, opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /status", h.auth(http.HandlerFunc(h.status)))
	return mux
}

type handler struct {
	src  Source
	opts Options
}

func (h *handler) auth(next http.Handler) http.Handler {
	if h.opts.Token == "" {
		return next
	}
	want := []byte("Bearer " + h.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk"`)
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Status is the JSON of /status.
type Status struct {
	Version         string         `json:"version"`
	UptimeSeconds   int64          `json:"uptime_seconds"`
	Database        string         `json:"database"`
	TicketsByStatus map[string]int `json:"tickets_by_status"`
	Messages        int            `json:"messages"`
	Quarantined     int            `json:"quarantined"`
	Outbox          OutboxStatus   `json:"outbox"`
	Channels        []Channel      `json:"channels"`
}

// OutboxStatus is the outbox part of Status.
type OutboxStatus struct {
	Pending          int   `json:"pending"`
	Dead             int   `json:"dead"`
	OldestAgeSeconds int64 `json:"oldest_age_seconds"`
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	now := h.opts.Now()
	st := Status{Version: h.opts.Version, UptimeSeconds: int64(now.Sub(h.opts.Started).Seconds()), Database: "ok",
		Channels: []Channel{}}
	if h.opts.Channels != nil {
		st.Channels = h.opts.Channels()
	}
	c, err := h.src.Counts(r.Context())
	if err != nil {
		h.opts.Logger.Error("status counts", "err", err)
		st.Database = "error"
		w.WriteHeader(http.StatusServiceUnavailable)
	} else {
		st.TicketsByStatus, st.Messages, st.Quarantined = c.TicketsByStatus, c.Messages, c.Quarantined
		st.Outbox = OutboxStatus{Pending: c.OutboxPending, Dead: c.OutboxDead}
		if !c.OutboxOldest.IsZero() {
			st.Outbox.OldestAgeSeconds = int64(now.Sub(c.OutboxOldest).Seconds())
		}
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(st)
}
