package slack

import (
	"context"
	"runtime/debug"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode takes events, slash commands and button presses over
// Socket Mode (an app-level token instead of a public URL) until ctx is
// done, then returns nil. sm must not be running yet; RunSocketMode runs
// it. Requests over the socket are Slack's own, so no signature is
// checked; an event is acknowledged only once it is taken, so Slack
// delivers a failed one again.
func (h *Handler) RunSocketMode(ctx context.Context, sm *socketmode.Client) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-done
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case evt := <-sm.Events:
			h.socketEvent(ctx, sm, evt)
		}
	}
}

// socketEvent handles one Socket Mode event; a panic is logged and the
// request left unacknowledged.
func (h *Handler) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(ctx, "panic in slack socket mode", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	ack := func(payload ...any) {
		if evt.Request == nil {
			return
		}
		if err := sm.Ack(*evt.Request, payload...); err != nil {
			h.log.WarnContext(ctx, "socket mode ack failed", keyError, err)
		}
	}
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			ack()
			return
		}
		wctx, cancel := detach(ctx)
		defer cancel()
		if err := h.handleEvent(wctx, ev); err != nil {
			h.log.WarnContext(ctx, "slack event failed; Slack will deliver it again", keyError, err)
			return
		}
		ack()
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			ack()
			return
		}
		wctx, cancel := detach(ctx)
		defer cancel()
		ack(h.slash(wctx, cmd))
	case socketmode.EventTypeInteractive:
		ack()
		if cb, ok := evt.Data.(slack.InteractionCallback); ok {
			wctx, cancel := detach(ctx)
			defer cancel()
			h.interaction(wctx, cb)
		}
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		h.log.WarnContext(ctx, "slack socket mode", "state", string(evt.Type), "data", evt.Data)
	case socketmode.EventTypeConnected:
		h.log.InfoContext(ctx, "slack socket mode connected")
	}
}
