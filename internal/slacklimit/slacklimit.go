// Package slacklimit checks a Slack message against the limits Slack
// documents for chat.postMessage and Block Kit, in the form the message
// goes over the wire: its text and its blocks as JSON. The gateway's
// builders are tested against it, and the fake Slack of the end-to-end
// tests refuses what it refuses, as Slack would ("invalid_blocks",
// "msg_too_long").
package slacklimit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's documented limits, in characters or items
// (api.slack.com/reference/block-kit/blocks, …/block-elements,
// …/composition-objects, and chat.postMessage).
const (
	MessageText     = 40000 // a message's top-level text
	Blocks          = 50    // blocks in one message
	SectionText     = 3000  // a section's text
	SectionFields   = 10    // fields of a section
	FieldText       = 2000  // the text of one field
	HeaderText      = 150   // a header's text
	ContextElements = 10    // elements of a context block
	ActionsElements = 25    // elements of an actions block
	ButtonText      = 75    // a button's label
	ButtonValue     = 2000  // a button's value
	ID              = 255   // a block_id or action_id
	TextObject      = 3000  // any other text object (a context element)
)

// The errors Slack answers with, which Check wraps.
var (
	ErrInvalidBlocks = errors.New("invalid_blocks")
	ErrTooLong       = errors.New("msg_too_long")
	ErrNoText        = errors.New("no_text")
)

// CheckBlocks is Check for blocks as slack-go builds them.
func CheckBlocks(text string, blocks []slack.Block) error {
	b, err := json.Marshal(blocks)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidBlocks, err)
	}
	if len(blocks) == 0 {
		b = nil
	}
	return Check(text, b)
}

// Check returns nil when Slack takes a message of text and blocks (a
// JSON array; empty for none), and otherwise an error that wraps the one
// Slack would answer with and says which limit the message passes.
func Check(text string, blocks []byte) error {
	if n := utf8.RuneCountInString(text); n > MessageText {
		return fmt.Errorf("%w: text is %d characters, more than %d", ErrTooLong, n, MessageText)
	}
	if len(blocks) == 0 {
		if text == "" {
			return ErrNoText
		}
		return nil
	}
	var bs []map[string]any
	if err := json.Unmarshal(blocks, &bs); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidBlocks, err)
	}
	if len(bs) > Blocks {
		return fmt.Errorf("%w: %d blocks, more than %d", ErrInvalidBlocks, len(bs), Blocks)
	}
	for i, b := range bs {
		if err := checkBlock(b); err != nil {
			return fmt.Errorf("%w: block %d (%v): %v", ErrInvalidBlocks, i, b["type"], err)
		}
	}
	return nil
}

func checkBlock(b map[string]any) error {
	if err := maxLen("block_id", b["block_id"], ID); err != nil {
		return err
	}
	switch b["type"] {
	case "section":
		return checkSection(b)
	case "header":
		return checkText("text", b["text"], HeaderText)
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > ContextElements {
			return fmt.Errorf("%d elements, want 1 to %d", len(els), ContextElements)
		}
		for _, e := range els {
			if m, _ := e.(map[string]any); m["type"] == "mrkdwn" || m["type"] == "plain_text" {
				if err := checkText("element", m, TextObject); err != nil {
					return err
				}
			}
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > ActionsElements {
			return fmt.Errorf("%d elements, want 1 to %d", len(els), ActionsElements)
		}
		for _, e := range els {
			if err := checkElement(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkSection(b map[string]any) error {
	fields, _ := b["fields"].([]any)
	if b["text"] == nil && len(fields) == 0 {
		return errors.New("neither text nor fields")
	}
	if b["text"] != nil {
		if err := checkText("text", b["text"], SectionText); err != nil {
			return err
		}
	}
	if len(fields) > SectionFields {
		return fmt.Errorf("%d fields, more than %d", len(fields), SectionFields)
	}
	for _, f := range fields {
		if err := checkText("field", f, FieldText); err != nil {
			return err
		}
	}
	if a := b["accessory"]; a != nil {
		return checkElement(a)
	}
	return nil
}

func checkElement(e any) error {
	m, _ := e.(map[string]any)
	if err := maxLen("action_id", m["action_id"], ID); err != nil {
		return err
	}
	if m["type"] != "button" {
		return nil
	}
	if err := checkText("button text", m["text"], ButtonText); err != nil {
		return err
	}
	return maxLen("button value", m["value"], ButtonValue)
}

// checkText checks a text object: its text present and at most max
// characters.
func checkText(what string, obj any, max int) error {
	m, ok := obj.(map[string]any)
	if !ok {
		return fmt.Errorf("%s is not a text object", what)
	}
	s, _ := m["text"].(string)
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	return maxLen(what, s, max)
}

func maxLen(what string, v any, max int) error {
	s, _ := v.(string)
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s is %d characters, more than %d", what, n, max)
	}
	return nil
}

// Cut cuts s, text already escaped for Slack (&amp; &lt; &gt;), to at
// most limit characters, never inside an entity, and marks the cut with
// an ellipsis. It walks no further than the cut.
func Cut(s string, limit int) string {
	if len(s) <= limit || utf8.RuneCountInString(s) <= limit {
		return s
	}
	if limit < 1 {
		return ""
	}
	i, n := 0, 0
	for i < len(s) && n < limit-1 {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		n++
	}
	if amp := strings.LastIndexByte(s[:i], '&'); amp >= 0 && !strings.Contains(s[amp:i], ";") {
		i = amp // an entity would be cut in two
	}
	return s[:i] + "…"
}
