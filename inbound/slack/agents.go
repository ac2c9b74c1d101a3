package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"helpdesk/core"
)

// cachedUser is a users.info answer: the profile's email, "" when it has
// none or the user is a bot.
type cachedUser struct {
	email string
	at    time.Time
}

// actor returns who the Slack user is: an agent (Kind core.ActorAgent)
// when the id or the profile's email matches a configured agent, anyone
// else with an empty Kind. err is set only when Slack could not be asked;
// the caller should then try again rather than refuse.
func (h *Handler) actor(ctx context.Context, user string) (core.Actor, error) {
	other := core.Actor{ID: user}
	if user == "" {
		return other, nil
	}
	for _, ag := range h.agents() {
		if ag.ID == user {
			return agentActor(ag), nil
		}
	}
	if h.opts.API == nil {
		return other, nil
	}
	email, err := h.profileEmail(ctx, user)
	if err != nil {
		return other, err
	}
	if email == "" {
		return other, nil
	}
	for _, ag := range h.agents() {
		if ag.Email != "" && strings.EqualFold(strings.TrimSpace(ag.Email), email) {
			return agentActor(ag), nil
		}
	}
	return other, nil
}

func agentActor(ag Agent) core.Actor {
	return core.Actor{Kind: core.ActorAgent, ID: ag.ID, Name: ag.Name, Departments: ag.Departments}
}

// profileEmail returns the email of the user's Slack profile, from the
// cache while it is fresh.
func (h *Handler) profileEmail(ctx context.Context, user string) (string, error) {
	now := h.opts.Now()
	h.mu.Lock()
	c, ok := h.users[user]
	h.mu.Unlock()
	if ok && now.Sub(c.at) < h.opts.UserCacheTTL {
		return c.email, nil
	}
	u, err := h.opts.API.GetUserInfoContext(ctx, user)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "user_not_found" || se.Err == "user_not_visible") {
			u = nil
		} else {
			return "", fmt.Errorf("users.info %s: %w", user, err)
		}
	}
	email := ""
	if u != nil && !u.IsBot && !u.Deleted {
		email = strings.ToLower(strings.TrimSpace(u.Profile.Email))
	}
	h.mu.Lock()
	h.users[user] = cachedUser{email: email, at: now}
	h.mu.Unlock()
	return email, nil
}

// selfID returns the bot's own user id, asking Slack once; "" while it is
// not known.
func (h *Handler) selfID(ctx context.Context) string {
	h.mu.Lock()
	self := h.self
	h.mu.Unlock()
	if self != "" || h.opts.API == nil {
		return self
	}
	res, err := h.opts.API.AuthTestContext(ctx)
	if err != nil {
		h.log.WarnContext(ctx, "auth.test failed; the bot's own messages are recognised by bot_id only", keyError, err)
		return ""
	}
	h.mu.Lock()
	h.self = res.UserID
	h.mu.Unlock()
	return res.UserID
}

// agentByRef finds the agent an /helpdesk argument names: "me", a Slack
// mention (<@U123> or <@U123|dana>), or an agent's id or name, with or
// without "@".
func (h *Handler) agentByRef(ctx context.Context, me core.Actor, ref string) (core.Actor, error) {
	if strings.EqualFold(ref, "me") {
		return me, nil
	}
	if id, ok := mentionID(ref); ok {
		a, err := h.actor(ctx, id)
		if err != nil {
			return a, err
		}
		if a.Kind != core.ActorAgent {
			return a, core.Errorf(core.EINVALID, "%s is not one of the support team's agents", id)
		}
		return a, nil
	}
	name := strings.TrimPrefix(ref, "@")
	for _, ag := range h.agents() {
		if strings.EqualFold(ag.ID, name) || strings.EqualFold(ag.Name, name) {
			return agentActor(ag), nil
		}
	}
	return core.Actor{}, core.Errorf(core.EINVALID, "%q is not one of the support team's agents", name)
}

// SetAgents replaces Options.Agents while the handler serves (a
// configuration reload). It is safe to call from any goroutine.
func (h *Handler) SetAgents(agents []Agent) {
	a := append([]Agent(nil), agents...)
	h.agentList.Store(&a)
}

// agents returns who may act: the last SetAgents, else Options.Agents.
func (h *Handler) agents() []Agent {
	if a := h.agentList.Load(); a != nil {
		return *a
	}
	return h.opts.Agents
}
