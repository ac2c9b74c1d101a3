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
	// Problems name what is not ready: "database" or "channel NAME".
	Problems []string `json:"problems"`
}

// CheckReady reports whether the database takes writes and every enabled
// channel's last check was good.
func CheckReady(ctx context.Context, src Source, channels []Channel) Ready {
	r := Ready{Problems: []string{}}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := src.Writable(ctx); err != nil {
		r.Problems = append(r.Problems, "database")
	}
	for _, c := range channels {
		if c.Enabled && !c.OK {
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
	rd := CheckReady(r.Context(), h.src, chs)
	code := http.StatusOK
	if !rd.Ready {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, rd)
}
