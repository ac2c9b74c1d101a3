package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Bounds of tags (docs/rules.md §7): short words an agent types and a
// metric labels, so that neither a card nor the metrics grow without end.
const (
	TagMaxLen       = 32
	TagsPerTicket   = 20
	tagAllowedChars = "abcdefghijklmnopqrstuvwxyz0123456789-_"
)

// TagTx keeps the tags of tickets.
type TagTx interface {
	// AddTag tags a ticket and reports whether the tag is new on it.
	AddTag(ctx context.Context, ticket int64, tag string) (bool, error)
	// RemoveTag untags a ticket; a tag it lacks is ENOTFOUND.
	RemoveTag(ctx context.Context, ticket int64, tag string) error
	// Tags returns a ticket's tags in order.
	Tags(ctx context.Context, ticket int64) ([]string, error)
}

// ValidTag checks a tag as typed: lower case letters, digits, '-' and
// '_', at most TagMaxLen. Upper case is refused rather than folded, so
// that a tag reads the same everywhere it is shown.
func ValidTag(tag string) error {
	if tag == "" || len(tag) > TagMaxLen {
		return Errorf(EINVALID, "a tag is 1 to %d characters long", TagMaxLen)
	}
	if i := strings.IndexFunc(tag, func(r rune) bool { return !strings.ContainsRune(tagAllowedChars, r) }); i >= 0 {
		return Errorf(EINVALID, "tag %q: only lower case letters a-z, digits, '-' and '_'", tag)
	}
	return nil
}

// tagAction is `tag add|remove TAG`. The card shows the tags, so every
// change updates it and is said in the thread.
func (s *Service) tagAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	tag := args[1]
	if err := ValidTag(tag); err != nil {
		return "", err
	}
	switch strings.ToLower(args[0]) {
	case "add":
		tags, err := tx.Tags(ctx, t.Number)
		if err != nil {
			return "", err
		}
		if slices.Contains(tags, tag) {
			return fmt.Sprintf("ticket #%d is tagged %s already", t.Number, tag), nil
		}
		if len(tags) >= TagsPerTicket {
			return "", Errorf(ECONFLICT, "ticket #%d has %d tags, the most it may have; remove one first", t.Number, len(tags))
		}
		if _, err := tx.AddTag(ctx, t.Number, tag); err != nil {
			return "", err
		}
		if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("tag: %s added by %s", tag, a), now); err != nil {
			return "", err
		}
		return fmt.Sprintf("ticket #%d is tagged %s", t.Number, tag), nil
	case "remove":
		if err := tx.RemoveTag(ctx, t.Number, tag); err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return "", Errorf(ENOTFOUND, "ticket #%d is not tagged %s", t.Number, tag)
			}
			return "", err
		}
		if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("tag: %s removed by %s", tag, a), now); err != nil {
			return "", err
		}
		return fmt.Sprintf("ticket #%d is no longer tagged %s", t.Number, tag), nil
	}
	return "", Errorf(EINVALID, "usage: tag add|remove TAG")
}
