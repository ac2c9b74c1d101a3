package admin

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Defaults of Options.ReadyTimeout and Options.ReadyCache.
const (
	readyTimeout = 5 * time.Second
	readyCache   = time.Second
)

// Ready is the JSON of /readyz.
type Ready struct {
	Ready bool `json:"ready"`
	// Problems name what is not ready: "database: write failed: …",
	// "channel smtp" or "shutting down".
	Problems []string `json:"problems"`
}

// writeProbe runs the database's write probe (Source.Writable) at most
// once per period and shares the answer: /readyz and the status page may
// be asked often by many, and each probe is a commit with an fsync.
type writeProbe struct {
	src            Source
	now            func() time.Time
	every, timeout time.Duration

	mu   sync.Mutex // held while probing: the callers waiting share its answer
	at   time.Time
	err  error
	done bool
}

// check returns the last probe's answer while it is fresh, else probes.
// The probe runs apart from the caller's context: a client that goes
// away must not leave a cancelled probe to be reported to the next one.
func (p *writeProbe) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := p.now(); p.done && !now.Before(p.at) && now.Sub(p.at) < p.every {
		return p.err
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.timeout)
	defer cancel()
	p.err = p.src.Writable(pctx)
	p.at, p.done = p.now(), true
	return p.err
}

// readiness reports whether the gateway can take mail: the database
// takes a write, an enabled SMTP listener listens, and it is not shutting
// down. Failing IMAP mailboxes, relay or Slack do not make it unready
// (another instance would fare no better, and mail is still taken); they
// show on /status, the page and the metrics.
func (h *handler) readiness(ctx context.Context, channels []Channel) Ready {
	r := Ready{Problems: []string{}}
	if h.opts.Stopping != nil && h.opts.Stopping() {
		r.Problems = append(r.Problems, "shutting down")
	}
	if err := h.probe.check(ctx); err != nil {
		// The store's error names the failure (locked, read-only, disk
		// full), never a path or a setting.
		r.Problems = append(r.Problems, "database: "+err.Error())
	}
	for _, c := range channels {
		if c.Kind == "smtp" && c.Enabled && !c.OK {
			r.Problems = append(r.Problems, "channel "+c.Name)
		}
	}
	r.Ready = len(r.Problems) == 0
	return r
}

func (h *handler) ready(w http.ResponseWriter, r *http.Request) {
	var chs []Channel
	if h.opts.Channels != nil {
		chs = h.opts.Channels()
	}
	rd := h.readiness(r.Context(), chs)
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rd)
}
