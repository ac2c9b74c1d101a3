package gateway

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"helpdesk/core"
	"helpdesk/core/token"
)

// validateFiles checks the file limits and [http] public_url.
func (c *Config) validateFiles() []error {
	var errs []error
	if c.Mail.AttachMaxBytes < 0 {
		errs = append(errs, errors.New("mail.attach_max_bytes must not be negative"))
	}
	if c.Slack.UploadMaxBytes < 0 {
		errs = append(errs, errors.New("slack.upload_max_bytes must not be negative"))
	}
	for _, name := range c.DepartmentNames() {
		if c.Departments[name].MaxOpenPerAgent < 0 {
			errs = append(errs, fmt.Errorf("departments.%s.max_open_per_agent must not be negative", name))
		}
	}
	if c.HTTP.PublicURL != "" {
		u, err := url.Parse(c.HTTP.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("http.public_url %q: want an http(s) URL such as https://desk.example.com", c.HTTP.PublicURL))
		}
	}
	return errs
}

// mountFiles serves GET /files/TOKEN next to next when [http] public_url
// is set: an agent's file too large to attach, to whoever holds its
// link, until the link expires (docs/rules.md §7). The token is signed
// with the secret and names one file, so no other can be reached.
func (a *App) mountFiles(next http.Handler) http.Handler {
	if a.cfg.HTTP.PublicURL == "" {
		return next
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/{token}", a.serveFile)
	mux.Handle("/", next)
	return mux
}

func (a *App) serveFile(w http.ResponseWriter, r *http.Request) {
	id, err := token.VerifyFile([]byte(a.cfg.Secret), r.PathValue("token"), a.now())
	if err != nil {
		a.log.InfoContext(r.Context(), "file link refused", "err", err)
		http.Error(w, "This link is not valid or has expired.", http.StatusNotFound)
		return
	}
	f, err := a.DB.File(r.Context(), id)
	if core.ErrorCode(err) == core.ENOTFOUND {
		http.Error(w, "This file is no longer kept.", http.StatusNotFound)
		return
	} else if err != nil {
		a.log.ErrorContext(r.Context(), "file link: read the file", "file", id, "err", err)
		http.Error(w, "The file cannot be read now; try again later.", http.StatusServiceUnavailable)
		return
	}
	// Always a download, never rendered here: a file is what an agent
	// uploaded, and this origin must not run what it holds.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.Write(f.Data)
}
