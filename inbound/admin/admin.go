// Package admin serves the gateway's HTTP admin surface (docs/rules.md §9):
//
//   - /healthz: the process is alive; never asks for a token.
//   - /readyz: the gateway can take mail: the database takes a write (a
//     real commit, its answer reused for Options.ReadyCache), the SMTP
//     listener listens and it is not shutting down; 503 and the reasons
//     otherwise. A failing relay, Slack or IMAP mailbox shows on
//     /status, the page and the metrics, not here.
//   - /status: a JSON summary for admins and monitoring (Status); to a
//     browser (Accept: text/html, no bearer token) the status page.
//   - /metrics: Prometheus text format (Metrics).
//   - /: the status page, server-rendered HTML without scripts, with
//     /static/style.css; /login and /logout sign a browser in and out
//     (session.go).
//
// The JSON and /metrics need "Authorization: Bearer TOKEN" when a token
// is configured, compared in constant time; the page needs the session
// cookie that signing in with the same token gives. Without a token (the
// listener is then loopback only, see gateway) both are open. The handler
// never shows configuration values or credentials.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"helpdesk/core"
)

// Source gives the figures that /status, /readyz and /metrics show
// (package store implements it).
type Source interface {
	Counts(ctx context.Context) (*core.Counts, error)
	// Queue returns up to limit tickets in queue order (docs/rules.md §3).
	Queue(ctx context.Context, limit int) ([]core.TicketSummary, error)
	// Writable returns an error when the database refuses writes.
	Writable(ctx context.Context) error
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
	// Credits returns the credits totals for /status; nil leaves them
	// out of /status (the field is omitted).
	Credits func(ctx context.Context) (*Credits, error)
	// QueueHead is how many tickets of the queue /status shows; 0 means 5.
	QueueHead int
	// Details gives what the status page shows beyond Status (SLA
	// tickets, dead outbox rows, the newest quarantined mail); nil leaves
	// them out.
	Details func(ctx context.Context) (*Details, error)
	// Secret keys the page's session cookies, with Token; nil means the
	// token alone.
	Secret []byte
	// Metrics holds the counters the rest of the gateway updates; nil
	// means a fresh set that nobody updates (the gauges still work).
	Metrics *Metrics
	// Stopping reports that the gateway is shutting down, which makes
	// /readyz 503; nil means never.
	Stopping func() bool
	// ReadyCache is how long /readyz and the page reuse the database's
	// write probe; zero means one second.
	ReadyCache time.Duration
	// ReadyTimeout bounds the write probe; zero means 5 seconds.
	ReadyTimeout time.Duration
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

func (o *Options) fill() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default().With("component", "admin")
	}
	if o.QueueHead <= 0 {
		o.QueueHead = 5
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	if o.ReadyCache <= 0 {
		o.ReadyCache = readyCache
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = readyTimeout
	}
}

// New returns the admin handler.
func New(src Source, opts Options) http.Handler {
	opts.fill()
	h := &handler{src: src, opts: opts,
		probe: &writeProbe{src: src, now: opts.Now, every: opts.ReadyCache, timeout: opts.ReadyTimeout}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", h.auth(http.HandlerFunc(h.ready)))
	status, page := h.auth(http.HandlerFunc(h.status)), h.signedIn(h.page)
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept")
		if wantsHTML(r) {
			page(w, r)
			return
		}
		status.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /static/style.css", style)
	mux.Handle("GET /metrics", h.auth(opts.Metrics.handler(src, opts.Channels, opts.Now, opts.Logger)))
	return limitBody(mux, maxBodyBytes)
}

// maxBodyBytes bounds a request's body on every admin path: only the
// sign-in form has one, a token of a few hundred bytes.
const maxBodyBytes = 4 << 10

// limitBody answers 413 to a body that says it is larger than n, and
// cuts off one that turns out larger while read.
func limitBody(next http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

type handler struct {
	src   Source
	opts  Options
	probe *writeProbe
}

// auth asks for the bearer token. Both sides are hashed to the same
// length first, so the comparison takes the same time whatever is sent.
func (h *handler) auth(next http.Handler) http.Handler {
	if h.opts.Token == "" {
		return next
	}
	want := sha256.Sum256([]byte("Bearer " + h.opts.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk"`)
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
