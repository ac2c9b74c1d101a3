package admin

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 5 * time.Second

// Ready is the JSON of /readyz.
type Ready struct {
	Ready bool `json:"ready"`
	// Problems name what is not ready: "database", "channel smtp" or
	// "shutting down".
	Problems []string `json:"problems"`
}

// CheckReady reports whether the gateway can take mail: the database
// takes writes, an enabled SMTP listener listens, and it is not shutting
// down. Failing IMAP mailboxes, relay or Slack do not make it unready
// (another instance would fare no better, and mail is still taken); they
// show on /status, the page and the metrics.
func CheckReady(ctx context.Context, src Source, channels []Channel, stopping bool) Ready {
	r := Ready{Problems: []string{}}
	if stopping {
		r.Problems = append(r.Problems, "shutting down")
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := src.Writable(ctx); err != nil {
		r.Problems = append(r.Problems, "database")
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
	rd := CheckReady(r.Context(), h.src, chs, h.opts.Stopping != nil && h.opts.Stopping())
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rd)
}
