package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// docs/rules.md §7, saved replies: markdown snippets agents keep under a
// name and send with `reply-with NAME`. A snippet may hold the
// placeholders {{customer_name}}, {{ticket}} and {{agent}}; the answer it
// makes goes out exactly as a typed answer does (charge, hold, bouncing
// addresses), so the notice's escaping covers the values it brings in.

// Limits of a saved reply.
const (
	MaxReplyTemplateBytes = 10_000 // the snippet, as typed
	maxReplyNameLen       = 64
	// maxPlaceholderValue bounds one placeholder's value in runes: a
	// customer's name is theirs to choose.
	maxPlaceholderValue = 200
)

// Placeholders are the names a saved reply may use, as {{name}}.
var Placeholders = []string{"customer_name", "ticket", "agent"}

// ReplyTemplate is one saved reply.
type ReplyTemplate struct {
	Name      string    `json:"name"`
	Text      string    `json:"text"`
	By        string    `json:"by"` // who added it
	CreatedAt time.Time `json:"created_at"`
}

// ReplyTemplateTx is the part of Tx that keeps saved replies.
type ReplyTemplateTx interface {
	// AddReplyTemplate stores r; ECONFLICT when its name is taken.
	AddReplyTemplate(ctx context.Context, r *ReplyTemplate) error
	// ReplyTemplate finds one by name; ENOTFOUND when there is none.
	ReplyTemplate(ctx context.Context, name string) (*ReplyTemplate, error)
	// ReplyTemplates lists them all by name.
	ReplyTemplates(ctx context.Context) ([]ReplyTemplate, error)
	// RemoveReplyTemplate deletes one; ENOTFOUND when there is none.
	RemoveReplyTemplate(ctx context.Context, name string) error
}

// checkReplyName refuses a name that an agent could not type as one
// word of a command.
func checkReplyName(name string) error {
	if name == "" || len(name) > maxReplyNameLen {
		return Errorf(EINVALID, "a saved reply's name is 1 to %d characters", maxReplyNameLen)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return Errorf(EINVALID, "a saved reply's name holds lowercase letters, digits, '-', '_' and '.' only, not %q", name)
		}
	}
	return nil
}

// CheckReplyTemplate refuses a snippet that cannot be sent: empty, too
// long, not UTF-8, or with a placeholder that is not one of
// Placeholders or not closed.
func CheckReplyTemplate(text string) error {
	if strings.TrimSpace(text) == "" {
		return Errorf(EINVALID, "a saved reply needs a text")
	}
	if len(text) > MaxReplyTemplateBytes {
		return Errorf(EINVALID, "a saved reply is at most %d bytes; this one is %d", MaxReplyTemplateBytes, len(text))
	}
	if !utf8.ValidString(text) {
		return Errorf(EINVALID, "a saved reply must be UTF-8 text")
	}
	_, err := expandReply(text, nil)
	return err
}

// expandReply replaces each {{name}} of text with values[name] in one
// pass, so a value that holds braces is never expanded again. With nil
// values it only checks the placeholders. It is linear in len(text).
func expandReply(text string, values map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		j := strings.Index(text[i+2:], "}}")
		if j < 0 {
			return "", Errorf(EINVALID, "a placeholder is not closed with }}: %q", clipRunes(text[i:], 30))
		}
		name := strings.TrimSpace(text[i+2 : i+2+j])
		if !isPlaceholder(name) {
			return "", Errorf(EINVALID, "unknown placeholder {{%s}}; a saved reply may use {{%s}}",
				clipRunes(name, 40), strings.Join(Placeholders, "}}, {{"))
		}
		b.WriteString(values[name])
		text = text[i+2+j+2:]
	}
}

func isPlaceholder(name string) bool {
	for _, p := range Placeholders {
		if p == name {
			return true
		}
	}
	return false
}

// clipRunes cuts s to at most n runes.
func clipRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

// placeholderValue makes a value fit to stand in an answer's line: no
// control characters or line breaks (a name that breaks lines could fake
// a signature), bounded in length.
func placeholderValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return clipRunes(strings.Join(strings.Fields(s), " "), maxPlaceholderValue)
}

// replyValues are the placeholders' values for an answer by a on t.
// The customer's name is their profile's, else their address.
func (s *Service) replyValues(ctx context.Context, tx Tx, t *Ticket, a Actor) (map[string]string, error) {
	name := ""
	if t.ProfileID != 0 {
		p, err := tx.Profile(ctx, t.ProfileID)
		if err != nil {
			return nil, err
		}
		name = p.Name
		if strings.TrimSpace(name) == "" {
			name = p.Email
		}
	}
	agent := a.Name
	if agent == "" {
		agent = a.ID
	}
	return map[string]string{
		"customer_name": placeholderValue(name),
		"ticket":        strconv.FormatInt(t.Number, 10),
		"agent":         placeholderValue(agent),
	}, nil
}

// savedReply is the text the saved reply name makes for a on t.
func (s *Service) savedReply(ctx context.Context, tx Tx, t *Ticket, a Actor, name string) (string, error) {
	r, err := tx.ReplyTemplate(ctx, strings.ToLower(name))
	if ErrorCode(err) == ENOTFOUND {
		return "", Errorf(ENOTFOUND, "there is no saved reply %q (helpdesk reply-template list)", clipRunes(name, maxReplyNameLen))
	}
	if err != nil {
		return "", err
	}
	values, err := s.replyValues(ctx, tx, t, a)
	if err != nil {
		return "", err
	}
	return expandReply(r.Text, values)
}

// replyWith is the agent's `reply-with NAME`: the saved reply, filled
// in, answered as `reply` would.
func (s *Service) replyWith(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	text, err := s.savedReply(ctx, tx, t, a, args[0])
	if err != nil {
		return "", err
	}
	return s.answer(ctx, tx, t, a, text, now)
}

// PreviewReply returns the text `reply-with name` would send on ticket
// number, changing nothing. The same checks as the action apply, so a
// preview the agent could not send is refused as the sending would be.
func (s *Service) PreviewReply(ctx context.Context, number int64, a Actor, name string) (string, error) {
	ac, _ := LookupAction("reply-with")
	if _, err := ac.check(a, []string{name}); err != nil {
		return "", err
	}
	var text string
	err := s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, number)
		if err != nil {
			return err
		}
		if err := s.mayActIn(a, t.Department, fmt.Sprintf("ticket #%d", t.Number)); err != nil {
			return err
		}
		if t.Status == StatusClosed {
			return Errorf(ECONFLICT, "ticket #%d is closed; reopen it first", t.Number)
		}
		text, err = s.savedReply(ctx, tx, t, a, name)
		return err
	})
	return text, err
}

// AddReplyTemplate stores a saved reply after checking its name and
// placeholders.
func (s *Service) AddReplyTemplate(ctx context.Context, name, text, by string) (*ReplyTemplate, error) {
	if err := checkReplyName(name); err != nil {
		return nil, err
	}
	if err := CheckReplyTemplate(text); err != nil {
		return nil, err
	}
	r := &ReplyTemplate{Name: name, Text: text, By: by, CreatedAt: s.now().UTC()}
	err := s.store.Tx(ctx, func(tx Tx) error { return tx.AddReplyTemplate(ctx, r) })
	return r, err
}

// ReplyTemplates lists the saved replies by name.
func (s *Service) ReplyTemplates(ctx context.Context) ([]ReplyTemplate, error) {
	var out []ReplyTemplate
	err := s.store.Tx(ctx, func(tx Tx) (err error) {
		out, err = tx.ReplyTemplates(ctx)
		return err
	})
	return out, err
}

// GetReplyTemplate finds one saved reply by name.
func (s *Service) GetReplyTemplate(ctx context.Context, name string) (*ReplyTemplate, error) {
	var r *ReplyTemplate
	err := s.store.Tx(ctx, func(tx Tx) (err error) {
		r, err = tx.ReplyTemplate(ctx, name)
		return err
	})
	return r, err
}

// RemoveReplyTemplate deletes one saved reply.
func (s *Service) RemoveReplyTemplate(ctx context.Context, name string) error {
	return s.store.Tx(ctx, func(tx Tx) error { return tx.RemoveReplyTemplate(ctx, name) })
}

// The action ids of a saved reply's preview (docs/rules.md §7); each
// button's value is "NUMBER NAME", the ticket and the saved reply.
const (
	SlackActionReplySend   = "helpdesk_reply_send"   // send the previewed reply
	SlackActionReplyCancel = "helpdesk_reply_cancel" // drop the preview
)
