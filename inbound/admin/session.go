package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The page's sign-in: the admin token, entered once in a form, gets a
// session cookie that is HttpOnly, SameSite=Strict, Secure over TLS, and
// HMAC-signed with a key derived from the gateway's secret and the token
// (a new token ends every session). It holds only its expiry.
const (
	sessionCookie = "helpdesk_session"
	sessionTTL    = 12 * time.Hour
)

// sessionKey derives the cookie's key: HMAC-SHA256(secret,
// "status-session" 0 token).
func (h *handler) sessionKey() []byte {
	m := hmac.New(sha256.New, h.opts.Secret)
	m.Write([]byte("status-session\x00" + h.opts.Token))
	return m.Sum(nil)
}

func (h *handler) sessionMAC(expiry int64) []byte {
	m := hmac.New(sha256.New, h.sessionKey())
	m.Write([]byte("v1\x00" + strconv.FormatInt(expiry, 10)))
	return m.Sum(nil)
}

// newSession returns a cookie value that expires at exp: "EXPIRY.MAC".
func (h *handler) newSession(exp time.Time) string {
	e := exp.Unix()
	return strconv.FormatInt(e, 10) + "." + base64.RawURLEncoding.EncodeToString(h.sessionMAC(e))
}

// validSession checks the request's session cookie: its MAC, compared in
// constant time, and that it has not expired.
func (h *handler) validSession(r *http.Request) bool {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	es, macs, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	e, err := strconv.ParseInt(es, 10, 64)
	if err != nil {
		return false
	}
	mac, err := base64.RawURLEncoding.DecodeString(macs)
	if err != nil || !hmac.Equal(mac, h.sessionMAC(e)) {
		return false
	}
	now := h.opts.Now()
	exp := time.Unix(e, 0)
	return now.Before(exp) && !exp.After(now.Add(sessionTTL+time.Minute))
}

// signedIn lets the page through with a valid session, or with no token
// configured (the loopback-only default, as for the JSON); otherwise it
// sends the browser to the sign-in form.
func (h *handler) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.opts.Token == "" || h.validSession(r) {
			next(w, r)
			return
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
}

type loginData struct{ Failed bool }

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if h.opts.Token == "" || h.validSession(r) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, http.StatusOK, "login.html", loginData{}, h.opts.Now())
}

// login checks the token of the form and sets the session cookie.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-origin form refused", http.StatusForbidden)
		return
	}
	if h.opts.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "unreadable form", http.StatusBadRequest)
		}
		return
	}
	got := sha256.Sum256([]byte(r.PostFormValue("token")))
	want := sha256.Sum256([]byte(h.opts.Token))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		h.opts.Logger.Warn("status page sign-in refused", "remote", r.RemoteAddr)
		h.render(w, http.StatusUnauthorized, "login.html", loginData{Failed: true}, h.opts.Now())
		return
	}
	exp := h.opts.Now().Add(sessionTTL)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: h.newSession(exp), Path: "/", Expires: exp,
		MaxAge: int(sessionTTL.Seconds()), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	h.opts.Logger.Info("status page sign-in", "remote", r.RemoteAddr)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout clears the session cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-origin form refused", http.StatusForbidden)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// sameOrigin guards the forms against cross-site posts. A browser's
// Sec-Fetch-Site must say same-origin; a browser that sends none must
// send an Origin or Referer naming this host. (Under Referrer-Policy:
// no-referrer, browsers send "Origin: null" and no Referer on a form post,
// so older browsers without Sec-Fetch-Site cannot sign in; a post that
// carries none of these is refused.)
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "same-origin"
	}
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	u, err := url.Parse(src)
	if src == "" || err != nil {
		return false
	}
	return u.Host == r.Host
}
