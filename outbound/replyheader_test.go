package outbound

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// A staff answer that was stored but mailed to no one (every address
// bouncing) must not read as sent in the thread.
func TestReplyHeader_NotMailed(t *testing.T) {
	for _, c := range []struct {
		post core.SlackPost
		want string
	}{
		{core.SlackPost{Direction: core.DirOutbound, From: "Dana"}, "Answer sent to the customer by Dana:"},
		{core.SlackPost{Direction: core.DirOutbound, From: "Dana", NotMailed: true}, "Answer recorded, not mailed to the customer by Dana:"},
		{core.SlackPost{Direction: core.DirNote, From: "Dana"}, "Internal note by Dana:"},
		{core.SlackPost{From: "ann@shop.example"}, "From ann@shop.example"},
	} {
		if got := replyHeader(c.post); got != c.want {
			t.Errorf("replyHeader(%+v) = %q, want %q", c.post, got, c.want)
		}
		c.post.Number, c.post.Text = 7, "Hello"
		fb := replyFallback(c.post)
		if c.post.NotMailed != strings.Contains(fb, "not mailed") {
			t.Errorf("replyFallback(%+v) = %q", c.post, fb)
		}
	}
}
