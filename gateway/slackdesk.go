package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	slackin "helpdesk/inbound/slack"
	"helpdesk/store"
)

// slackDesk is the Slack desk wired into the gateway (docs/rules.md §7): the
// HTTP endpoints when [slack] signing_secret is set, Socket Mode when
// socket_mode is on. A nil *slackDesk is Slack switched off, and its
// methods do nothing.
type slackDesk struct {
	Handler *slackin.Handler
	http    bool               // serve /slack/… on [http] listen
	socket  *socketmode.Client // nil without Socket Mode
}

// newSlackDesk builds the desk from [slack] and [[agents]], or returns nil
// when neither the endpoints nor Socket Mode are configured.
func newSlackDesk(a *App) (*slackDesk, error) {
	sc := a.cfg.Slack
	if sc.SigningSecret == "" && !sc.SocketMode {
		return nil, nil
	}
	if sc.Token == "" {
		return nil, errors.New("slack: token is needed for the desk (signing_secret or socket_mode is set)")
	}
	if sc.SocketMode && sc.AppToken == "" {
		return nil, errors.New("slack: socket_mode needs app_token (xapp-…)")
	}
	opts := []slack.Option{slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second})}
	if sc.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(sc.APIURL))
	}
	if sc.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(sc.AppToken))
	}
	api := slack.New(sc.Token, opts...)
	agents := slackAgents(a.cfg.Agents)
	if len(agents) == 0 {
		a.log.Warn("slack: no [[agents]] are configured, so nobody may act from Slack")
	}
	d := &slackDesk{http: sc.SigningSecret != ""}
	d.Handler = slackin.New(a.Core, a.DB, slackin.Options{
		SigningSecret: sc.SigningSecret,
		Agents:        agents,
		API:           api,
		Credits:       creditsSummary{a.DB},
		Held:          heldDesk{a},
		Open:          a.Core,
		Replies:       a.Core,
		Away:          a.Core,
		Changed:       a.Worker.Kick,
		Now:           a.now,
		Logger:        a.log.With("component", "slack"),
		// Bounds from [slack]: every request's body is read whole to
		// check its signature, before anything else is known of it.
		MaxBodyBytes:     sc.MaxBodyBytes,
		ResponseURLHosts: sc.ResponseURLHosts,
		AttachMaxBytes:   a.cfg.Mail.AttachMaxBytes,
		LinkFiles:        a.cfg.HTTP.PublicURL != "",
	})
	if sc.SocketMode {
		d.socket = socketmode.New(api)
	}
	return d, nil
}

// mount serves /slack/events, /slack/commands and /slack/interactions
// next to next, which keeps every other path. The Slack paths carry
// their own authentication (the signature), not the admin token.
func (d *slackDesk) mount(next http.Handler) http.Handler {
	if d == nil || !d.http {
		return next
	}
	mux := http.NewServeMux()
	mux.Handle("/slack/", d.Handler)
	mux.Handle("/", next)
	return mux
}

// start runs Socket Mode as intake: it stops with ctx.
func (d *slackDesk) start(ctx context.Context, a *App) {
	if d == nil || d.socket == nil {
		return
	}
	a.run(&a.intake, "slack-socket", func() error {
		if err := d.Handler.RunSocketMode(ctx, d.socket); err != nil {
			return fmt.Errorf("slack socket mode: %w", err)
		}
		return nil
	})
}

// creditsSummary answers /helpdesk credits EMAIL from the account's
// statement, as `helpdesk credits show` reads it.
type creditsSummary struct{ db *store.DB }

func (c creditsSummary) CreditsSummary(ctx context.Context, email string) (string, error) {
	st, err := c.db.CreditStatement(ctx, email)
	if err != nil {
		return "", err
	}
	s := fmt.Sprintf("%s (account #%d): balance %d credits", st.Email, st.Account.ID, st.Account.Credits)
	var open int
	var next time.Time
	for _, l := range st.Lots {
		if l.Remaining > 0 {
			open++
			if next.IsZero() || l.ExpiresAt.Before(next) {
				next = l.ExpiresAt
			}
		}
	}
	if open > 0 {
		s += fmt.Sprintf(" in %d lots, the next expiring %s", open, next.UTC().Format("2006-01-02"))
	}
	if st.Account.Preagree {
		s += "; charges are pre-agreed"
	}
	if n := len(st.Entries); n > 0 {
		e := st.Entries[n-1]
		s += fmt.Sprintf("; last change %+d (%s) on %s", e.Amount, e.Kind, e.At.UTC().Format("2006-01-02"))
	}
	return s + ".", nil
}
