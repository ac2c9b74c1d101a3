package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"helpdesk/core"
)

// errWaitThread is the "error" of a row that needs the ticket's parent
// message (a thread reply, a card update, a notice in the thread) while it
// is not posted yet: the row waits, it did not fail.
var errWaitThread = errors.New("waiting for the ticket's Slack parent message")

// errNoCard is what a row that needs the ticket's parent message finds
// when there is none and none will come: the card's row is dead (Slack
// refused even its minimal form, the channel was gone, or it gave up).
// The row then posts a new parent itself (newParent).
var errNoCard = errors.New("the ticket's Slack card was never posted")

// perform does the side effect of one row. A panic is turned into a
// temporary error, so that one bad row cannot stop the worker.
func (w *Worker) perform(ctx context.Context, it core.OutboxItem, now time.Time, log *slog.Logger) (err error) {
	defer func() {
		if r := recover(); r != nil {
			log.ErrorContext(ctx, "panic while sending outbox row", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("send outbox %d: panic: %v", it.ID, r)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, w.opts.SendTimeout)
	defer cancel()

	switch it.Kind {
	case core.OutboxEmail:
		err = w.sendEmail(ctx, it, now, log)
	case core.OutboxSlackTicket:
		err = w.postTicket(ctx, it, log)
	case core.OutboxSlackReply:
		err = w.postReply(ctx, it)
	case core.OutboxSlackUpdate:
		err = w.updateTicket(ctx, it)
	case core.OutboxSlackNotice:
		err = w.postNotice(ctx, it, log)
	case core.OutboxSlackFile:
		err = w.uploadFile(ctx, it)
	default:
		err = permanent(fmt.Errorf("unknown outbox kind %q", it.Kind))
	}
	if err != nil {
		return fmt.Errorf("send outbox %d: %w", it.ID, err)
	}
	return nil
}

func (w *Worker) sendEmail(ctx context.Context, it core.OutboxItem, now time.Time, log *slog.Logger) error {
	var n core.EmailNotice
	if err := json.Unmarshal(it.Payload, &n); err != nil {
		return permanent(fmt.Errorf("decode email notice: %w", err))
	}
	files, err := w.attachFiles(ctx, n)
	if err != nil {
		return err
	}
	msg, err := BuildEmailFiles(n, w.opts.From, now, files)
	if err != nil {
		return err
	}
	if w.opts.DKIM != nil {
		if msg, err = w.opts.DKIM.Sign(msg); err != nil {
			return err // permanent: the same bytes fail the same way
		}
	}
	sender, err := ReturnPath(n, w.opts.From)
	if err != nil {
		return err
	}
	if err := w.mail.Send(ctx, sender, []string{Recipient(n)}, msg, n.MessageID); err != nil {
		return err
	}
	log.DebugContext(ctx, "email sent", keyMessageID, n.MessageID)
	return nil
}

func (w *Worker) postTicket(ctx context.Context, it core.OutboxItem, log *slog.Logger) error {
	p, err := decodeSlackPost(it.Payload)
	if err != nil {
		return err
	}
	// A retry after the post succeeded but the row stayed pending must not
	// post a second parent.
	if _, ts, err := w.slackThread(ctx, it.Ticket); err != nil {
		return threadError(err)
	} else if ts != "" {
		return nil
	}
	channel, ok := w.channel(p.Department)
	if !ok || channel == "" {
		return permanent(fmt.Errorf("no Slack channel for department %q", p.Department))
	}
	ts, err := w.sl.PostTicket(ctx, channel, p)
	if err != nil {
		return err
	}
	// The thread is recorded with the row's mark (threadCache).
	w.threads.put(it.Ticket, channel, ts, it.ID)
	log.DebugContext(ctx, "slack card posted", keyChannel, channel)
	return nil
}

// thread returns where the ticket's card was posted, errWaitThread when
// it is not posted yet, and errNoCard when it never will be.
func (w *Worker) thread(ctx context.Context, ticket int64) (channel, ts string, err error) {
	channel, ts, err = w.slackThread(ctx, ticket)
	if err != nil {
		return "", "", threadError(err)
	}
	if ts != "" {
		return channel, ts, nil
	}
	if cq, ok := w.q.(CardQueue); ok {
		pending, err := cq.CardPending(ctx, ticket)
		if err != nil {
			return "", "", fmt.Errorf("look up the slack card's row: %w", err)
		}
		if !pending {
			return "", "", errNoCard
		}
	}
	return "", "", errWaitThread
}

func (w *Worker) postReply(ctx context.Context, it core.OutboxItem) error {
	p, err := decodeSlackPost(it.Payload)
	if err != nil {
		return err
	}
	channel, ts, err := w.thread(ctx, it.Ticket)
	if errors.Is(err, errNoCard) {
		channel, ts, err = w.newParent(ctx, it, reposted(p))
	}
	if err != nil {
		return err
	}
	return w.sl.PostReply(ctx, channel, ts, p)
}

// updateTicket redraws the ticket's card where it was posted, which may
// not be its department's channel any more. When the card is dead, the
// redrawn card (which carries the first message) is posted as the new
// one.
func (w *Worker) updateTicket(ctx context.Context, it core.OutboxItem) error {
	p, err := decodeSlackPost(it.Payload)
	if err != nil {
		return err
	}
	channel, ts, err := w.thread(ctx, it.Ticket)
	if errors.Is(err, errNoCard) {
		_, _, err = w.newParent(ctx, it, p)
		return err
	}
	if err != nil {
		return err
	}
	return w.sl.UpdateTicket(ctx, channel, ts, p)
}

// newParent posts card as the parent message of a ticket whose card row
// is dead, in its department's channel: the ticket's thread from now on,
// recorded with the mark of the row that posted it (process). So a dead
// card holds back none of the ticket's later messages.
func (w *Worker) newParent(ctx context.Context, it core.OutboxItem, card core.SlackPost) (channel, ts string, err error) {
	channel, ok := w.channel(card.Department)
	if !ok || channel == "" {
		return "", "", permanent(fmt.Errorf("no Slack channel for department %q", card.Department))
	}
	if ts, err = w.sl.PostTicket(ctx, channel, card); err != nil {
		return "", "", err
	}
	w.threads.put(it.Ticket, channel, ts, it.ID)
	w.log.WarnContext(ctx, "the ticket's card was never posted; posted a new one for its thread",
		keyTicket, it.Ticket, keyOutboxID, it.ID, keyChannel, channel)
	return channel, ts, nil
}

// reposted is the card drawn from a thread message's state when the card
// is posted anew: the message itself follows in the thread.
func reposted(p core.SlackPost) core.SlackPost {
	p.Text = "(The ticket's first card could not be posted; its messages follow in this thread.)"
	p.From, p.Quoted, p.Attachments, p.AuthWarning, p.Event, p.Direction = "", "", nil, "", "", ""
	return p
}

// postNotice posts a notice to its department's channel, or in the
// ticket's thread when it asks to be. A notice that asks for a thread but
// belongs to no ticket goes to the channel rather than nowhere.
func (w *Worker) postNotice(ctx context.Context, it core.OutboxItem, log *slog.Logger) error {
	var n core.SlackNotice
	if err := json.Unmarshal(it.Payload, &n); err != nil {
		return permanent(fmt.Errorf("decode slack notice: %w", err))
	}
	channel, ok := w.channel(n.Department)
	if !ok || channel == "" {
		return permanent(fmt.Errorf("no Slack channel for department %q", n.Department))
	}
	var threadTS string
	switch {
	case n.InThread && it.Ticket != 0:
		ch, ts, err := w.thread(ctx, it.Ticket)
		if errors.Is(err, errNoCard) {
			// No thread will come: the notice goes to the channel,
			// naming its ticket.
			log.WarnContext(ctx, "slack notice for a ticket whose card was never posted; posting it in the channel", keyChannel, channel)
			n.Text = fmt.Sprintf("[#%d] %s", it.Ticket, n.Text)
			break
		}
		if err != nil {
			return err
		}
		channel, threadTS = ch, ts // the thread lives where the card was posted
	case n.InThread:
		log.WarnContext(ctx, "slack notice for a thread has no ticket; posting it in the channel", keyChannel, channel)
	}
	return w.sl.PostNotice(ctx, channel, threadTS, n)
}

func decodeSlackPost(b []byte) (core.SlackPost, error) {
	var p core.SlackPost
	if err := json.Unmarshal(b, &p); err != nil {
		return p, permanent(fmt.Errorf("decode slack post: %w", err))
	}
	return p, nil
}

// threadError classifies a failed thread lookup: a ticket that does not
// exist never will, anything else is storage trouble worth a retry.
func threadError(err error) error {
	err = fmt.Errorf("look up slack thread: %w", err)
	if core.ErrorCode(err) == core.ENOTFOUND {
		return permanent(err)
	}
	return err
}
