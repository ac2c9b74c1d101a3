package slacklimit

import (
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

func TestCheck(t *testing.T) {
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	section := func(s string) slack.Block { return slack.NewSectionBlock(md(s), nil, nil) }
	button := func(label, value string) slack.BlockElement {
		return slack.NewButtonBlockElement("a", value, plain(label))
	}
	many := func(n int, b slack.Block) []slack.Block {
		var out []slack.Block
		for range n {
			out = append(out, b)
		}
		return out
	}
	fields := func(n, size int) slack.Block {
		var fs []*slack.TextBlockObject
		for range n {
			fs = append(fs, md(strings.Repeat("f", size)))
		}
		return slack.NewSectionBlock(nil, fs, nil)
	}
	context := func(n int) slack.Block {
		var els []slack.MixedElement
		for range n {
			els = append(els, md("c"))
		}
		return slack.NewContextBlock("", els...)
	}
	cases := []struct {
		name   string
		text   string
		blocks []slack.Block
		want   error
	}{
		{"text only", "hello", nil, nil},
		{"nothing", "", nil, ErrNoText},
		{"text at the limit", strings.Repeat("ж", MessageText), nil, nil},
		{"text over", strings.Repeat("ж", MessageText+1), nil, ErrTooLong},
		{"50 blocks", "t", many(Blocks, section("x")), nil},
		{"51 blocks", "t", many(Blocks+1, section("x")), ErrInvalidBlocks},
		{"section at the limit", "t", []slack.Block{section(strings.Repeat("ж", SectionText))}, nil},
		{"section over", "t", []slack.Block{section(strings.Repeat("x", SectionText+1))}, ErrInvalidBlocks},
		{"empty section", "t", []slack.Block{section("")}, ErrInvalidBlocks},
		{"10 fields", "t", []slack.Block{fields(SectionFields, FieldText)}, nil},
		{"11 fields", "t", []slack.Block{fields(SectionFields+1, 1)}, ErrInvalidBlocks},
		{"long field", "t", []slack.Block{fields(1, FieldText+1)}, ErrInvalidBlocks},
		{"header over", "t", []slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", HeaderText+1)))}, ErrInvalidBlocks},
		{"10 context elements", "t", []slack.Block{context(ContextElements)}, nil},
		{"11 context elements", "t", []slack.Block{context(ContextElements + 1)}, ErrInvalidBlocks},
		{"button label over", "t", []slack.Block{slack.NewActionBlock("b", button(strings.Repeat("l", ButtonText+1), "1"))}, ErrInvalidBlocks},
		{"button value over", "t", []slack.Block{slack.NewActionBlock("b", button("ok", strings.Repeat("v", ButtonValue+1)))}, ErrInvalidBlocks},
		{"block_id over", "t", []slack.Block{slack.NewActionBlock(strings.Repeat("b", ID+1), button("ok", "1"))}, ErrInvalidBlocks},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckBlocks(c.text, c.blocks)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("CheckBlocks = %v, want %v", err, c.want)
			}
		})
	}
	if err := Check("t", []byte(`[{"type":"section"`)); !errors.Is(err, ErrInvalidBlocks) {
		t.Errorf("broken JSON: %v", err)
	}
}

func TestCut(t *testing.T) {
	cases := []struct {
		s     string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdefgh", 5, "abcd…"},
		{"ab&amp;cd", 5, "ab…"},
		{"ab&amp;cd", 8, "ab&amp;…"},
		{"жжжжжж", 3, "жж…"},
		{"x", 0, ""},
	}
	for _, c := range cases {
		got := Cut(c.s, c.limit)
		if got != c.want || len([]rune(got)) > max(c.limit, 0) && got != c.s {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.s, c.limit, got, c.want)
		}
	}
}
