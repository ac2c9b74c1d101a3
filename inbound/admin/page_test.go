package admin

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"helpdesk/core"
)

// fakeSource is a Source with fixed figures and queue.
type fakeSource struct{ queue []core.TicketSummary }

func (f fakeSource) Counts(context.Context) (*core.Counts, error) {
	return &core.Counts{TicketsByStatus: map[string]int{"submitted": len(f.queue)}, SLABreached: 1, OutboxDead: 1,
		Quarantined: 1}, nil
}
func (f fakeSource) Queue(context.Context, int) ([]core.TicketSummary, error) { return f.queue, nil }
func (f fakeSource) Writable(context.Context) error                           { return nil }

const hostile = `<script>alert(1)</script> <@U123> <!channel> "quoted" & <img src=x onerror=alert(2)>`

func pageServer(t *testing.T, token string, now *time.Time) *httptest.Server {
	t.Helper()
	var tk core.TicketSummary
	tk.Number, tk.Department, tk.Status, tk.Priority, tk.Subject, tk.SLAState = 7, "support", "submitted", "normal", hostile, "breached"
	tk.SLADue = now.Add(-time.Hour)
	last := now.Add(-time.Minute)
	h := New(fakeSource{queue: []core.TicketSummary{tk}}, Options{
		Token: token, Secret: []byte("s3cret"), Version: "v9.9.9", Now: func() time.Time { return *now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Channels: func() []Channel {
			return []Channel{{Name: "relay", Kind: "relay", Enabled: true, State: "failing", LastError: hostile, LastErrorAt: &last},
				{Name: "smtp", Kind: "smtp", Enabled: true, OK: true, State: "listening"}}
		},
		Details: func(context.Context) (*Details, error) {
			return &Details{Dead: []DeadRow{{ID: 3, Ticket: 7, Kind: "email", Attempts: 8, LastError: hostile}},
				QuarantineNewest: &QuarantineEntry{ID: 1, Channel: "imap:support", Reason: hostile, MessageID: hostile}}, nil
		},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Customer text on the page is escaped: no element comes of it, and the
// text reads as it was written.
func TestPage_Escaping(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	srv := pageServer(t, "", &now)
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	resp, body := do(t, req)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for n := range doc.Descendants() {
		switch {
		case n.Type == html.ElementNode && (n.Data == "script" || n.Data == "img" || n.Data == "style"):
			t.Errorf("the page has a <%s> element", n.Data)
		case n.Type == html.ElementNode:
			for _, a := range n.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s> has attribute %s", n.Data, a.Key)
				}
			}
		case n.Type == html.TextNode:
			text.WriteString(n.Data)
		}
	}
	if n := strings.Count(text.String(), hostile); n < 4 {
		t.Errorf("the hostile text shows %d times as text, want 4 (subject, channel error, dead row, quarantine)", n)
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;@U123&gt;", "&lt;!channel&gt;", "v9.9.9", "degraded", "failing"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Content-Type-Options":  "nosniff", "Referrer-Policy": "no-referrer",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	resp, css := do(t, mustReq("GET", srv.URL+"/static/style.css", nil))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css, "@media") {
		t.Fatalf("style.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func mustReq(method, u string, form url.Values) *http.Request {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		panic(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

func TestPage_SignIn(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	srv := pageServer(t, "t0ken", &now)
	login := func(token, origin string) *http.Response {
		req := mustReq("POST", srv.URL+"/login", url.Values{"token": {token}})
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, _ := do(t, req)
		return resp
	}
	withCookie := func(path string, c *http.Cookie) *http.Request {
		req := mustReq("GET", srv.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		if c != nil {
			req.AddCookie(c)
		}
		return req
	}

	t.Run("SignedOut", func(t *testing.T) {
		for _, p := range []string{"/", "/status"} {
			if resp, _ := do(t, withCookie(p, nil)); resp.StatusCode != 303 || resp.Header.Get("Location") != "/login" {
				t.Errorf("GET %s signed out: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		if resp, body := do(t, withCookie("/login", nil)); resp.StatusCode != 200 || !strings.Contains(body, `name="token"`) {
			t.Errorf("GET /login: %d", resp.StatusCode)
		}
	})
	t.Run("CrossSite", func(t *testing.T) {
		if resp := login("t0ken", ""); resp.StatusCode != 403 {
			t.Errorf("login without Origin: %d", resp.StatusCode)
		}
		if resp := login("t0ken", "https://evil.example"); resp.StatusCode != 403 {
			t.Errorf("login from another origin: %d", resp.StatusCode)
		}
		req := mustReq("POST", srv.URL+"/login", url.Values{"token": {"t0ken"}})
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if resp, _ := do(t, req); resp.StatusCode != 403 {
			t.Errorf("login with Sec-Fetch-Site cross-site: %d", resp.StatusCode)
		}
	})
	t.Run("WrongToken", func(t *testing.T) {
		if resp := login("nope", srv.URL); resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
			t.Errorf("login with a wrong token: %d %v", resp.StatusCode, resp.Cookies())
		}
	})
	resp := login("t0ken", srv.URL)
	if resp.StatusCode != 303 || len(resp.Cookies()) != 1 {
		t.Fatalf("login: %d %v", resp.StatusCode, resp.Cookies())
	}
	c := resp.Cookies()[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.MaxAge != 12*3600 {
		t.Fatalf("cookie %+v", c)
	}
	t.Run("SignedIn", func(t *testing.T) {
		for _, p := range []string{"/", "/status"} {
			resp, body := do(t, withCookie(p, c))
			if resp.StatusCode != 200 || !strings.Contains(body, "Sign out") {
				t.Errorf("GET %s signed in: %d", p, resp.StatusCode)
			}
		}
		// The JSON keeps the bearer token: a cookie does not open it.
		req := withCookie("/status", c)
		req.Header.Set("Accept", "application/json")
		if resp, _ := do(t, req); resp.StatusCode != 401 {
			t.Errorf("JSON with a cookie: %d", resp.StatusCode)
		}
		req.Header.Set("Authorization", "Bearer t0ken")
		req.Header.Set("Accept", "text/html,application/json")
		if resp, body := do(t, req); resp.StatusCode != 200 || !strings.HasPrefix(body, "{") {
			t.Errorf("JSON with the bearer token: %d %.40s", resp.StatusCode, body)
		}
	})
	t.Run("Tampered", func(t *testing.T) {
		exp, mac, _ := strings.Cut(c.Value, ".")
		for _, v := range []string{"", "x", exp, exp + ".", "9999999999." + mac, exp + "." + mac[:len(mac)-2] + "AA"} {
			if resp, _ := do(t, withCookie("/", &http.Cookie{Name: c.Name, Value: v})); resp.StatusCode != 303 {
				t.Errorf("cookie %q: %d", v, resp.StatusCode)
			}
		}
	})
	t.Run("Expired", func(t *testing.T) {
		saved := now
		now = now.Add(12*time.Hour + time.Second)
		defer func() { now = saved }()
		if resp, _ := do(t, withCookie("/", c)); resp.StatusCode != 303 {
			t.Errorf("an expired session: %d", resp.StatusCode)
		}
	})
	t.Run("Logout", func(t *testing.T) {
		req := mustReq("POST", srv.URL+"/logout", url.Values{})
		req.Header.Set("Origin", srv.URL)
		resp, _ := do(t, req)
		if resp.StatusCode != 303 || len(resp.Cookies()) != 1 || resp.Cookies()[0].MaxAge >= 0 {
			t.Errorf("logout: %d %v", resp.StatusCode, resp.Cookies())
		}
	})
}
