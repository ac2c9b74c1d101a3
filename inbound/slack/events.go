package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/slack-go/slack/slackevents"

	"helpdesk/core"
)

// serveEvents is /slack/events: the URL-verification handshake and event
// callbacks. A callback that failed for a reason that may pass answers
// 500, so that Slack delivers it again; a retry of one that was taken
// changes nothing.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := h.verified(w, r)
	if !ok {
		return
	}
	var outer struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		http.Error(w, "not an Events API request", http.StatusBadRequest)
		return
	}
	if outer.Type == slackevents.URLVerification {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(outer.Challenge))
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		h.log.WarnContext(r.Context(), "unreadable slack event", keyError, err)
		http.Error(w, "unreadable event", http.StatusBadRequest)
		return
	}
	ctx, cancel := detach(r.Context())
	defer cancel()
	if err := h.handleEvent(ctx, ev); err != nil {
		h.log.WarnContext(ctx, "slack event failed; Slack will deliver it again", keyError, err)
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handleEvent takes one Events API event, from HTTP or Socket Mode. It
// returns an error only when the event should be delivered again.
func (h *Handler) handleEvent(ctx context.Context, ev slackevents.EventsAPIEvent) error {
	if ev.Type != slackevents.CallbackEvent {
		return nil
	}
	var id string
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		id = cb.EventID
	}
	switch inner := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		return h.message(ctx, id, inner)
	}
	return nil
}

// message takes a message event: a reply in a ticket's thread, or an
// edit or deletion of one.
func (h *Handler) message(ctx context.Context, eventID string, ev *slackevents.MessageEvent) error {
	log := h.log.With(keyEvent, eventID, keyChannel, ev.Channel)
	switch ev.SubType {
	case "message_changed":
		if ev.Message == nil || !edited(ev) {
			return nil
		}
		return h.edited(ctx, log, core.SlackEdit{EventID: eventID, Channel: ev.Channel, TS: ev.Message.Timestamp})
	case "message_deleted":
		ts := ev.DeletedTimeStamp
		if ts == "" && ev.PreviousMessage != nil {
			ts = ev.PreviousMessage.Timestamp
		}
		return h.edited(ctx, log, core.SlackEdit{EventID: eventID, Channel: ev.Channel, TS: ts, Deleted: true})
	case "", "file_share", "thread_broadcast":
	default:
		return nil // joins, topics, bot messages and the like
	}
	if ev.BotID != "" || (ev.Message != nil && ev.Message.BotID != "") {
		return nil // another app, or our own posts
	}
	if ev.ThreadTimeStamp == "" || ev.ThreadTimeStamp == ev.TimeStamp || ev.User == "" {
		return nil // not a reply in a thread
	}
	if self := h.selfID(ctx); self != "" && ev.User == self {
		return nil
	}
	actor, err := h.actor(ctx, ev.User)
	if err != nil {
		return err
	}
	m := core.SlackMessage{EventID: eventID, Channel: ev.Channel, ThreadTS: ev.ThreadTimeStamp, TS: ev.TimeStamp,
		Actor: actor, Text: plainText(ev.Text)}
	if ev.Message != nil {
		_, note := core.NoteText(m.Text)
		for _, f := range ev.Message.Files {
			m.Files = append(m.Files, h.sharedFile(ctx, f, note))
		}
	}
	out, err := h.core.SlackReply(ctx, m)
	if err != nil {
		return err // nothing was committed: Slack delivers it again
	}
	switch {
	case out.Ticket == 0 || out.Duplicate:
		log.DebugContext(ctx, "slack message changes nothing", keyTicket, out.Ticket, "duplicate", out.Duplicate)
		return nil
	case out.Refused != "":
		log.InfoContext(ctx, "slack message refused", keyTicket, out.Ticket, keyUser, ev.User, "why", out.Refused)
	default:
		log.InfoContext(ctx, "slack message taken", keyTicket, out.Ticket, keyUser, ev.User, "result", out.Result)
	}
	h.changed()
	return nil
}

// edited reports whether a message_changed event changed what was
// written, rather than, say, adding a link preview.
func edited(ev *slackevents.MessageEvent) bool {
	if ev.PreviousMessage == nil {
		return true
	}
	return ev.PreviousMessage.Text != ev.Message.Text || len(ev.PreviousMessage.Files) != len(ev.Message.Files)
}

func (h *Handler) edited(ctx context.Context, log *slog.Logger, e core.SlackEdit) error {
	if e.TS == "" {
		return nil
	}
	taken, err := h.core.SlackEdited(ctx, e)
	if err != nil || !taken {
		return err
	}
	log.InfoContext(ctx, "edit of a taken slack message reported", "deleted", e.Deleted)
	h.changed()
	return nil
}
