package admin

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"helpdesk/internal/buildinfo"
)

//go:embed page/status.html page/login.html page/style.css
var pageFS embed.FS

// Details are what the status page shows beyond Status.
type Details struct {
	// SLATickets are tickets awaiting a staff reply whose first response
	// is at risk or breached, the breached first.
	SLATickets []QueueEntry
	// Dead are the newest dead outbox rows with their last error.
	Dead []DeadRow
	// QuarantineNewest is the newest quarantined mail; nil when none is.
	QuarantineNewest *QuarantineEntry
}

// DeadRow is a dead outbox row on the page.
type DeadRow struct {
	ID, Ticket int64
	Kind       string
	Attempts   int
	LastError  string
	CreatedAt  time.Time
}

// QuarantineEntry is a quarantined mail on the page.
type QuarantineEntry struct {
	ID                         int64
	Channel, Reason, MessageID string
	At                         time.Time
}

// pageData is what status.html renders.
type pageData struct {
	Status   *Status
	Details  Details
	Ready    Ready
	Build    buildinfo.Info
	Now      time.Time
	Health   string   // ok, degraded, down
	Problems []string // what makes it degraded
	SignedIn bool     // a session cookie was shown (not the open loopback page)
}

var pageTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"join":      strings.Join,
	"secs":      func(s int64) string { return humanDuration(time.Duration(s) * time.Second) },
	"when":      func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"due":       func(t time.Time) string { return t.UTC().Format("Jan 2 15:04") },
	"short":     func(rev string) string { return rev[:min(12, len(rev))] },
	"chanClass": chanClass,
	"ago":       ago(time.Time{}), // replaced per request with the handler's clock: see render
}).ParseFS(pageFS, "page/status.html", "page/login.html"))

func chanClass(c Channel) string {
	switch {
	case !c.Enabled:
		return "chan-disabled"
	case !c.OK:
		return "chan-failing"
	}
	return "chan-ok"
}

// humanDuration writes d in its two largest units: "3d 4h", "5m 2s".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	days, h, m, s := d/(24*time.Hour), d%(24*time.Hour)/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// ago says how long before now t was; "never" for nil or zero.
func ago(now time.Time) func(t any) string {
	return func(t any) string {
		var at time.Time
		switch v := t.(type) {
		case *time.Time:
			if v != nil {
				at = *v
			}
		case time.Time:
			at = v
		}
		if at.IsZero() {
			return "never"
		}
		if now.Before(at) {
			return "just now"
		}
		return humanDuration(now.Sub(at)) + " ago"
	}
}

// gather builds the page's data. A database that cannot be read shows as
// such; the error goes to the log.
func (h *handler) gather(ctx context.Context, signedIn bool) *pageData {
	now := h.opts.Now()
	st, err := BuildStatus(ctx, h.src, h.opts)
	if err != nil {
		h.opts.Logger.Error("status page", "err", err)
	}
	d := &pageData{Status: st, Ready: h.readiness(ctx, st.Channels),
		Build: buildinfo.Read(), Now: now, SignedIn: signedIn}
	d.Build.Version = h.opts.Version
	if h.opts.Details != nil && err == nil {
		det, derr := h.opts.Details(ctx)
		if derr != nil {
			h.opts.Logger.Error("status page details", "err", derr)
		} else if det != nil {
			d.Details = *det
		}
	}
	for _, c := range st.Channels {
		if c.Enabled && !c.OK && c.State != "not_running" {
			d.Problems = append(d.Problems, "channel "+c.Name+" "+c.State)
		}
	}
	if st.SLA.Breached > 0 {
		d.Problems = append(d.Problems, fmt.Sprintf("%d SLA breached", st.SLA.Breached))
	}
	if st.Outbox.Dead > 0 {
		d.Problems = append(d.Problems, fmt.Sprintf("%d dead outbox rows", st.Outbox.Dead))
	}
	switch {
	case !d.Ready.Ready || st.Database != "ok":
		d.Health = "down"
	case len(d.Problems) > 0:
		d.Health = "degraded"
	default:
		d.Health = "ok"
	}
	return d
}

// page serves the status page.
func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	d := h.gather(r.Context(), h.opts.Token != "")
	h.render(w, http.StatusOK, "status.html", d, d.Now)
}

// render executes one of the page templates into a buffer first, so a
// failure is a clean 500 and not half a page.
func (h *handler) render(w http.ResponseWriter, code int, name string, data any, now time.Time) {
	t, err := pageTmpl.Clone()
	if err == nil {
		t.Funcs(template.FuncMap{"ago": ago(now)})
		var buf bytes.Buffer
		if err = t.ExecuteTemplate(&buf, name, data); err == nil {
			pageHeaders(w)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(code)
			w.Write(buf.Bytes())
			return
		}
	}
	h.opts.Logger.Error("render page", "page", name, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// pageHeaders are the security headers of every page and stylesheet: no
// script, no inline style, no framing, no referrer.
func pageHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "+
		"frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-store")
}

// style serves the page's stylesheet.
func style(w http.ResponseWriter, r *http.Request) {
	b, err := pageFS.ReadFile("page/style.css")
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	pageHeaders(w)
	w.Header().Set("Cache-Control", "max-age=300")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write(b)
}

// wantsHTML says whether a request for /status comes from a browser: it
// accepts text/html and sends no bearer token.
func wantsHTML(r *http.Request) bool {
	return r.Header.Get("Authorization") == "" && strings.Contains(r.Header.Get("Accept"), "text/html")
}
