package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/slack-go/slack/slacktest"

	"helpdesk/internal/slacklimit"
)

// The demo and the end-to-end tests run the real pipeline against two
// stand-ins for the outside world: an SMTP server that captures what the
// gateway sends (its relay), and slack-go's fake Slack with a handler that
// records every post.

// CapturedMail is one message the relay received.
type CapturedMail struct {
	From string
	To   []string
	Data []byte
}

// CaptureRelay is a go-smtp server that keeps every message.
type CaptureRelay struct {
	srv  *gosmtp.Server
	Addr string
	mu   sync.Mutex
	mail []CapturedMail
}

func StartCaptureRelay() (*CaptureRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &CaptureRelay{Addr: ln.Addr().String()}
	r.srv = gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &captureSession{r: r}, nil
	}))
	r.srv.Domain = "relay.test"
	go r.srv.Serve(ln)
	return r, nil
}

func (r *CaptureRelay) Close() error { return r.srv.Close() }

// Mail returns a copy of everything received so far.
func (r *CaptureRelay) Mail() []CapturedMail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]CapturedMail(nil), r.mail...)
}

type captureSession struct {
	r    *CaptureRelay
	from string
	to   []string
}

func (s *captureSession) Mail(from string, _ *gosmtp.MailOptions) error { s.from = from; return nil }
func (s *captureSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *captureSession) Reset()        { s.from, s.to = "", nil }
func (s *captureSession) Logout() error { return nil }
func (s *captureSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.mail = append(s.r.mail, CapturedMail{From: s.from, To: s.to, Data: b})
	s.r.mu.Unlock()
	return nil
}

// SlackPost is one chat.postMessage the fake Slack received.
type SlackPost struct {
	Channel  string
	Text     string
	ThreadTS string
	Blocks   string
	TS       string
}

// FakeSlack wraps slacktest's server: its default chat.postMessage keeps
// nothing that can be inspected, so this one records each post and
// answers with a unique, realistic ts. Like Slack, it refuses a post or
// an update over Slack's documented limits (internal/slacklimit) with
// invalid_blocks or msg_too_long, and keeps what it refused.
type FakeSlack struct {
	srv     *slacktest.Server
	Down    atomic.Bool // answer 503 to posts and updates: an outage
	mu      sync.Mutex
	posts   []SlackPost
	updates []SlackPost
	refused []string // why each refused post or update was refused
	answers []string // ephemeral answers posted to the response_url
	seq     int
	files   slackFiles
}

// Refused returns why each post or update over Slack's limits was
// refused, so far.
func (f *FakeSlack) Refused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.refused...)
}

// overLimits answers and records a refusal when the form's message is
// over Slack's limits; it returns false then.
func (f *FakeSlack) overLimits(w http.ResponseWriter, r *http.Request) bool {
	err := slacklimit.Check(r.FormValue("text"), []byte(r.FormValue("blocks")))
	if err == nil {
		return false
	}
	code := "invalid_blocks"
	switch {
	case errors.Is(err, slacklimit.ErrTooLong):
		code = "msg_too_long"
	case errors.Is(err, slacklimit.ErrNoText):
		code = "no_text"
	}
	f.mu.Lock()
	f.refused = append(f.refused, err.Error())
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
	return true
}

func StartFakeSlack() *FakeSlack {
	f := &FakeSlack{}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.postMessage)
		c.Handle("/chat.update", f.update)
		c.Handle("/users.info", f.usersInfo)
		c.Handle("/chat.getPermalink", f.permalink)
		c.Handle("/response", f.response)
		c.Handle("/files.getUploadURLExternal", f.uploadURL)
		c.Handle("/files.completeUploadExternal", f.completeUpload)
		c.Handle("/upload/", f.upload)
		c.Handle("/download/", f.download)
	})
	f.srv.Start()
	return f
}

func (f *FakeSlack) URL() string { return f.srv.GetAPIURL() }
func (f *FakeSlack) Close()      { f.srv.Stop() }

// Posts returns a copy of the posts so far.
func (f *FakeSlack) Posts() []SlackPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SlackPost(nil), f.posts...)
}

func (f *FakeSlack) postMessage(w http.ResponseWriter, r *http.Request) {
	if f.Down.Load() {
		http.Error(w, "slack is down", http.StatusServiceUnavailable)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if f.overLimits(w, r) {
		return
	}
	f.mu.Lock()
	f.seq++
	p := SlackPost{
		Channel:  r.FormValue("channel"),
		Text:     r.FormValue("text"),
		ThreadTS: r.FormValue("thread_ts"),
		Blocks:   r.FormValue("blocks"),
		TS:       fmt.Sprintf("%d.%06d", time.Now().Unix(), f.seq),
	}
	f.posts = append(f.posts, p)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
}

// Updates returns a copy of the chat.update calls so far.
func (f *FakeSlack) Updates() []SlackPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SlackPost(nil), f.updates...)
}

func (f *FakeSlack) update(w http.ResponseWriter, r *http.Request) {
	if f.Down.Load() {
		http.Error(w, "slack is down", http.StatusServiceUnavailable)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if f.overLimits(w, r) {
		return
	}
	p := SlackPost{Channel: r.FormValue("channel"), Text: r.FormValue("text"), Blocks: r.FormValue("blocks"), TS: r.FormValue("ts")}
	w.Header().Set("Content-Type", "application/json")
	f.mu.Lock()
	known := false
	for _, q := range f.posts {
		known = known || (q.TS == p.TS && q.Channel == p.Channel)
	}
	if known {
		f.updates = append(f.updates, p)
	}
	f.mu.Unlock()
	if !known {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS, "text": p.Text})
}

// slackProfiles are the profile emails users.info knows; other users are
// user_not_found.
var slackProfiles = map[string]string{"U0AGENT": "dana@support.example.com"}

func (f *FakeSlack) usersInfo(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := r.FormValue("user")
	w.Header().Set("Content-Type", "application/json")
	email, ok := slackProfiles[id]
	if !ok {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{"id": id, "name": id,
		"profile": map[string]any{"email": email}}})
}

func (f *FakeSlack) permalink(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": r.FormValue("channel"),
		"permalink": "https://demo.slack.example/archives/" + r.FormValue("channel") + "/p" + r.FormValue("message_ts")})
}

// ResponseURL is where the gateway answers a button press.
func (f *FakeSlack) ResponseURL() string { return f.URL() + "response" }

// Answers returns the ephemeral answers posted to the response_url.
func (f *FakeSlack) Answers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.answers...)
}

func (f *FakeSlack) response(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
	}
	json.NewDecoder(r.Body).Decode(&m)
	f.mu.Lock()
	f.answers = append(f.answers, m.ResponseType+": "+m.Text)
	f.mu.Unlock()
	w.Write([]byte("ok"))
}
