package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// Core is what the desk asks of the rules.
type Core interface {
	// Act applies one agent action to a ticket (core.Service.Act).
	Act(ctx context.Context, number int64, a core.Actor, action string, args ...string) (string, error)
	// SlackReply takes a message written in a ticket's thread.
	SlackReply(ctx context.Context, m core.SlackMessage) (core.SlackOutcome, error)
	// SlackEdited reports an edit or deletion of a message it took.
	SlackEdited(ctx context.Context, e core.SlackEdit) (bool, error)
}

// Reader answers /helpdesk find and queue. Lookups return an *core.Error
// with code ENOTFOUND when nothing matches.
type Reader interface {
	TicketRow(ctx context.Context, number int64) (*core.TicketSummary, error)
	FindMessageID(ctx context.Context, messageID string) (*core.MessageHit, error)
	QueueTagged(ctx context.Context, tag string, limit int) ([]core.TicketSummary, error)
	// Search is /helpdesk find WORDS: a full-text search.
	Search(ctx context.Context, q core.SearchQuery) ([]core.SearchHit, error)
}

// Availability records an agent away or back, for automatic assignment
// (core.Service.SetAway).
type Availability interface {
	SetAway(ctx context.Context, a core.Actor, away bool) (string, error)
}

// Credits answers /helpdesk credits EMAIL with a summary of the account's
// balance, in plain text.
type Credits interface {
	CreditsSummary(ctx context.Context, email string) (string, error)
}

// API is the part of the Slack Web API the desk calls; *slack.Client has
// it.
type API interface {
	// GetUserInfoContext finds an agent by the email of their profile
	// (scope users:read.email).
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	// AuthTestContext tells the bot's own user id, whose messages are
	// ignored.
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	// GetPermalinkContext links a ticket's thread in /helpdesk answers.
	GetPermalinkContext(ctx context.Context, params *slack.PermalinkParameters) (string, error)
}

// Agent is one configured agent.
type Agent struct {
	ID    string // the agent's id; their Slack user id as a rule
	Name  string
	Email string // matched against the Slack profile's email; may be empty
	// Departments the agent works in; core refuses their actions on
	// other departments' tickets (with those they head, none means all).
	Departments []string
}

// Options configure a Handler. The zero value of each field is usable.
type Options struct {
	// SigningSecret verifies every HTTP request; "" refuses them all.
	// Socket Mode does not use it.
	SigningSecret string
	// Agents may act; nobody else may. Empty means nobody.
	Agents []Agent
	// API is the Slack Web API; nil means agents are recognised by their
	// id only, the bot's own user id is not looked up (its posts are
	// still ignored by their bot_id), and answers carry no thread links.
	API API
	// Credits answers /helpdesk credits; nil means that command answers
	// that credits are not available yet.
	Credits Credits
	// Held decides mail held by the unknown-sender policy (its notice's
	// Accept and Reject buttons); nil means the buttons answer that this
	// is not available.
	Held Held
	// Open opens tickets for /helpdesk new; nil means that command
	// answers that it is not available.
	Open Opener
	// Replies previews saved replies for /helpdesk #N reply-with; nil
	// means that command answers that it is not available.
	Replies Replies
	// Away takes /helpdesk away and back; nil means those answer that
	// they are not available.
	Away Availability
	// Changed is called after a request changed something, to wake the
	// outbox worker; nil means nobody is told.
	Changed func()
	// HTTPClient posts ephemeral answers to a button's response_url; nil
	// means a client with a 10-second timeout that follows no redirect.
	HTTPClient *http.Client
	// ResponseURLHosts are the hosts a button's response_url may name: a
	// host name, an IP address, or "*.domain" for any name under domain,
	// over https (plain http only to a loopback host). An interaction
	// naming another is refused whole. Nil means
	// DefaultResponseURLHosts, Slack's.
	ResponseURLHosts []string
	// AttachMaxBytes is the largest file an agent shares in a thread
	// that an answer attaches ([mail] attach_max_bytes); zero means
	// core.DefaultAttachMaxBytes. A larger one goes as a link when
	// LinkFiles is set, up to core.MaxLinkedFileBytes, and is not sent
	// otherwise.
	AttachMaxBytes int
	LinkFiles      bool
	// MaxBodyBytes bounds a request's body; zero means 1 MiB.
	MaxBodyBytes int64
	// UserCacheTTL is how long a users.info answer is kept; zero means 10
	// minutes.
	UserCacheTTL time.Duration
	// Now is the clock of the users.info cache; nil means time.Now. The
	// signature's five-minute window is checked by slack-go against the
	// real clock.
	Now func() time.Time
	// Logger; nil means slog.Default().With("component", "slack").
	Logger *slog.Logger
}

// Handler serves /slack/events, /slack/commands and /slack/interactions,
// and takes Socket Mode's events (RunSocketMode). It is safe for
// concurrent use.
type Handler struct {
	core Core
	db   Reader
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	mu    sync.Mutex
	users map[string]cachedUser // Slack user id → users.info answer
	self  string                // the bot's user id, once known

	agentList atomic.Pointer[[]Agent] // set by SetAgents
}

// Log attribute keys.
const (
	keyTicket  = "ticket"
	keyEvent   = "event_id"
	keyUser    = "user"
	keyChannel = "channel"
	keyError   = "err"
)

// New returns a Handler over the rules and the read queries.
func New(c Core, db Reader, opts Options) *Handler {
	if opts.HTTPClient == nil {
		// Slack answers a response_url itself; a redirect would lead the
		// post to a host checkResponseURL never saw.
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opts.ResponseURLHosts == nil {
		opts.ResponseURLHosts = DefaultResponseURLHosts
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.UserCacheTTL <= 0 {
		opts.UserCacheTTL = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default().With("component", "slack")
	}
	h := &Handler{core: c, db: db, opts: opts, log: opts.Logger, users: map[string]cachedUser{}}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("POST /slack/events", h.recovered(h.serveEvents))
	h.mux.HandleFunc("POST /slack/commands", h.recovered(h.serveCommand))
	h.mux.HandleFunc("POST /slack/interactions", h.recovered(h.serveInteraction))
	return h
}

// ServeHTTP serves the three endpoints; anything else is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// recovered answers 500 instead of letting a panic take the connection.
func (h *Handler) recovered(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				h.log.ErrorContext(r.Context(), "panic in slack handler", "panic", p, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		fn(w, r)
	}
}

// verified reads the body and checks its signature. On failure it has
// answered (401, or 413 for an oversized body) and returns false; on
// success r.Body is the same bytes again, for form parsing.
func (h *Handler) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "cannot read request", http.StatusBadRequest)
		}
		return nil, false
	}
	if err := verify(r.Header, body, h.opts.SigningSecret); err != nil {
		h.log.WarnContext(r.Context(), "slack request refused", "path", r.URL.Path, keyError, err)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}

// verify checks the v0 signature of body (constant-time) and that the
// request is at most five minutes old.
func verify(header http.Header, body []byte, secret string) error {
	if secret == "" {
		return errors.New("no signing secret is configured")
	}
	sv, err := slack.NewSecretsVerifier(header, secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

// changed tells the outbox worker that rows were written.
func (h *Handler) changed() {
	if h.opts.Changed != nil {
		h.opts.Changed()
	}
}

// detach bounds work that must finish once started even when Slack
// hangs up: the change is committed or not, never half done.
func detach(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// safeMessage is what an agent is shown for err: the domain's message, or
// a generic sentence for anything unexpected (which is logged).
func (h *Handler) safeMessage(ctx context.Context, err error, what string) string {
	switch core.ErrorCode(err) {
	case core.EINTERNAL:
		h.log.ErrorContext(ctx, "slack request failed", "what", what, keyError, err)
		return "Something went wrong on our side; nothing was changed. Please try again."
	case core.ETEMPORARY:
		return "The helpdesk is busy; nothing was changed. Please try again in a moment."
	}
	return fmt.Sprintf("Not done: %s.", escape(clip(strings.TrimSuffix(core.ErrorMessage(err), "."), sentenceShown)))
}
