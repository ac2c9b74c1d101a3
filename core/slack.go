package core

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// docs/rules.md §7: Slack is the support team's desk. An agent's message in a
// ticket's thread is answered to the customer by email, or kept as an
// internal note when it starts with "note:". This file takes those
// messages, and their later edits and deletions, from package
// inbound/slack.

// SlackTx is the part of Tx that the Slack desk uses.
type SlackTx interface {
	// TicketBySlackThread returns the ticket whose card is the message
	// ts of channel, or an *Error with code ENOTFOUND.
	TicketBySlackThread(ctx context.Context, channel, ts string) (int64, error)
	// MarkSlackEvent records an Events API event id as handled, or
	// returns an *Error with code ECONFLICT when it was already.
	MarkSlackEvent(ctx context.Context, id string, at time.Time) error
	// SlackMessage returns the record of an agent's message that was
	// taken, or an *Error with code ENOTFOUND.
	SlackMessage(ctx context.Context, channel, ts string) (*SlackRecord, error)
	// AddSlackMessage records an agent's message that was taken; the
	// same message twice is an *Error with code ECONFLICT.
	AddSlackMessage(ctx context.Context, r *SlackRecord) error
}

// SlackRecord is an agent's message the gateway took from a ticket's
// thread.
type SlackRecord struct {
	Channel   string
	TS        string
	Ticket    int64
	Direction string // DirOutbound (emailed) or DirNote
	Author    string // the agent's id
	CreatedAt time.Time
}

// SlackMessage is a message written in a ticket's Slack thread, already
// turned from Slack's markup into plain text.
type SlackMessage struct {
	// EventID is Slack's event_id, which a retried delivery repeats;
	// "" when there is none. The message's TS dedupes as well.
	EventID  string
	Channel  string
	ThreadTS string // the thread's parent message: the ticket's card
	TS       string // the message itself
	// Actor wrote it. Only an ActorAgent is taken; anyone else's message
	// stays in Slack and the thread says so.
	Actor Actor
	Text  string
	Files []SlackFile
}

// SlackFile is a file shared with a message in a thread.
type SlackFile struct {
	Name string
	Size int    // bytes
	URL  string // a link the customer can open; "" when the file is not public
	// Send is how an answer passes the file on: FileAttach or FileLink
	// with Data and ContentType, or "" (by name and URL, as before).
	Send        string
	Data        []byte
	ContentType string
	// NotSent says why the file is not passed on (refused, too large);
	// the thread is told, and the customer's mail does not name it.
	NotSent string
}

// How an answer passes an agent's file on (SlackFile.Send).
const (
	FileAttach = "attach" // attached to the mail
	FileLink   = "link"   // a signed, expiring /files/TOKEN link in the text
)

// SlackOutcome says what became of a Slack message.
type SlackOutcome struct {
	Ticket    int64  // the ticket of the thread; 0 when it is no ticket's
	Result    string // what was done, when it was taken
	Duplicate bool   // the same event or message was taken already
	// Refused is why the message was not taken (a non-agent, a closed
	// ticket); the refusal is posted in the thread.
	Refused string
}

// notePrefix makes an agent's thread message an internal note.
const notePrefix = "note:"

// NoteText reports whether a thread message is an internal note and
// returns its text without the prefix (docs/rules.md §7).
func NoteText(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if len(t) >= len(notePrefix) && strings.EqualFold(t[:len(notePrefix)], notePrefix) {
		return strings.TrimSpace(t[len(notePrefix):]), true
	}
	return t, false
}

// SlackReply takes an agent's message in a ticket's thread: an answer
// emailed to the customer, or an internal note, in one transaction with
// the record that dedupes it. A message in no ticket's thread changes
// nothing. A refusal (not an agent, a closed ticket) is no error: the
// outcome says why, and the thread is told.
func (s *Service) SlackReply(ctx context.Context, m SlackMessage) (SlackOutcome, error) {
	text, note := NoteText(m.Text)
	var sent []SlackFile
	for _, f := range m.Files {
		if f.NotSent == "" || note {
			sent = append(sent, f)
		}
	}
	action, dir := "reply", DirOutbound
	if note {
		action, dir = "note", DirNote
	}
	var out SlackOutcome
	err := s.store.Tx(ctx, func(tx Tx) error {
		out = SlackOutcome{}
		n, dup, err := s.slackSeen(ctx, tx, m, true)
		if err != nil || n == 0 || dup {
			out.Ticket, out.Duplicate = n, dup
			return err
		}
		out.Ticket = n
		now := s.now().UTC()
		if m.Actor.Kind != ActorAgent {
			return Errorf(EFORBIDDEN, "only the support team's agents can answer customers from Slack; this message stays in Slack")
		}
		t, err := tx.Ticket(ctx, n)
		if err != nil {
			return err
		}
		actor := m.Actor
		actor.InSlack = true
		ctx, text, err := s.keepFiles(ctx, tx, t, text, sent, note, now)
		if err != nil {
			return err
		}
		if out.Result, err = s.act(ctx, tx, t, actor, action, []string{text}, now); err != nil {
			return err
		}
		if !note {
			if err := s.filesNotSent(ctx, tx, t, m.Files, now); err != nil {
				return err
			}
		}
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return err
		}
		return tx.AddSlackMessage(ctx, &SlackRecord{Channel: m.Channel, TS: m.TS, Ticket: n,
			Direction: dir, Author: m.Actor.ID, CreatedAt: now})
	})
	switch ErrorCode(err) {
	case EFORBIDDEN, EINVALID, ECONFLICT:
		prefix := "Not sent to the customer: "
		if note {
			prefix = "Not added to the ticket: "
		}
		return s.slackRefuse(ctx, m, prefix+ErrorMessage(err))
	}
	return out, err
}

// slackSeen finds the ticket of m's thread (0 when none) and reports
// whether m was handled already; unless it was, it records m's event id.
func (s *Service) slackSeen(ctx context.Context, tx Tx, m SlackMessage, thread bool) (int64, bool, error) {
	var n int64
	if thread {
		var err error
		if n, err = tx.TicketBySlackThread(ctx, m.Channel, m.ThreadTS); ErrorCode(err) == ENOTFOUND {
			return 0, false, nil
		} else if err != nil {
			return 0, false, err
		}
		if _, err := tx.SlackMessage(ctx, m.Channel, m.TS); err == nil {
			return n, true, nil
		} else if ErrorCode(err) != ENOTFOUND {
			return 0, false, err
		}
	}
	if m.EventID != "" {
		if err := tx.MarkSlackEvent(ctx, m.EventID, s.now().UTC()); ErrorCode(err) == ECONFLICT {
			return n, true, nil
		} else if err != nil {
			return 0, false, err
		}
	}
	return n, false, nil
}

// slackRefuse records m as handled and tells its thread why it was not
// taken (why is the whole sentence), mentioning its author.
func (s *Service) slackRefuse(ctx context.Context, m SlackMessage, why string) (SlackOutcome, error) {
	out := SlackOutcome{Refused: why}
	err := s.store.Tx(ctx, func(tx Tx) error {
		n, dup, err := s.slackSeen(ctx, tx, m, true)
		if err != nil || n == 0 || dup {
			out.Ticket, out.Duplicate = n, dup
			return err
		}
		out.Ticket = n
		t, err := tx.Ticket(ctx, n)
		if err != nil {
			return err
		}
		return enqueue(ctx, tx, OutboxSlackNotice, n, SlackNotice{Department: t.Department, Number: n,
			Text: why, Mention: []string{m.Actor.ID}, InThread: true}, s.now().UTC())
	})
	return out, err
}

// SlackEdit is an edit or deletion, in Slack, of a thread message.
type SlackEdit struct {
	EventID string
	Channel string
	TS      string // the edited or deleted message
	Deleted bool
}

// SlackEdited reports in the ticket's thread that an agent's message the
// gateway took was edited or deleted in Slack afterwards: the customer
// keeps what was emailed, the ticket what was stored. It returns whether
// the message was one the gateway took; others change nothing.
func (s *Service) SlackEdited(ctx context.Context, e SlackEdit) (bool, error) {
	taken := false
	err := s.store.Tx(ctx, func(tx Tx) error {
		taken = false
		r, err := tx.SlackMessage(ctx, e.Channel, e.TS)
		if ErrorCode(err) == ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		taken = true
		if _, dup, err := s.slackSeen(ctx, tx, SlackMessage{EventID: e.EventID}, false); err != nil || dup {
			return err
		}
		t, err := tx.Ticket(ctx, r.Ticket)
		if err != nil {
			return err
		}
		return enqueue(ctx, tx, OutboxSlackNotice, t.Number, SlackNotice{Department: t.Department, Number: t.Number,
			Text: editText(r, e.Deleted), Mention: []string{r.Author}, InThread: true}, s.now().UTC())
	})
	return taken, err
}

func editText(r *SlackRecord, deleted bool) string {
	switch {
	case r.Direction == DirNote && deleted:
		return "A note was deleted in Slack; the ticket keeps it."
	case r.Direction == DirNote:
		return "A note was edited in Slack; the ticket keeps the original text."
	case deleted:
		return "An answer was deleted in Slack after it was emailed; the customer still has it."
	}
	return "An answer was edited after it was emailed; the customer has the original."
}

// withFiles adds the files shared with a message to its text: a link
// where the file is public, its name otherwise.
func withFiles(text string, files []SlackFile) string {
	if len(files) == 0 {
		return text
	}
	var b strings.Builder
	b.WriteString(text)
	if text != "" {
		b.WriteString("\n\n")
	}
	b.WriteString("Files:")
	for _, f := range files {
		fmt.Fprintf(&b, "\n- %s", f.Name)
		if f.Size > 0 {
			fmt.Fprintf(&b, " (%s)", sizeText(f.Size))
		}
		if f.Send == FileAttach {
			b.WriteString(": attached")
		} else if f.URL != "" {
			b.WriteString(": " + f.URL)
		} else {
			b.WriteString(": available on request")
		}
	}
	return b.String()
}

func sizeText(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// The action ids of the ticket card's buttons (docs/rules.md §7); each
// button's value is the ticket number. Package outbound draws them and
// package inbound/slack performs them.
const (
	SlackActionAssignMe = "helpdesk_assign_me" // assign to the agent who pressed it
	SlackActionSolved   = "helpdesk_solved"    // mark solved
	SlackActionClose    = "helpdesk_close"     // close
)
