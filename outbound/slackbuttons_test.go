package outbound

import (
	"encoding/json"
	"testing"

	"helpdesk/core"
)

// The card carries the buttons the Slack desk performs, each with the
// ticket's number; a solved ticket has no "Mark solved", a closed one no
// buttons.
func TestTicketBlocks_Buttons(t *testing.T) {
	ids := func(p core.SlackPost) []string {
		t.Helper()
		b, err := json.Marshal(ticketBlocks(p))
		if err != nil {
			t.Fatal(err)
		}
		var blocks []struct {
			Type     string `json:"type"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(b, &blocks); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, bl := range blocks {
			if bl.Type != "actions" {
				continue
			}
			for _, e := range bl.Elements {
				if e.Value != "1042" {
					t.Errorf("button %s has value %q, want the ticket number", e.ActionID, e.Value)
				}
				out = append(out, e.ActionID)
			}
		}
		return out
	}
	p := testPost()
	cases := []struct {
		name string
		edit func(*core.SlackPost)
		want []string
	}{
		{"Open", func(*core.SlackPost) {}, []string{core.SlackActionAssignMe, core.SlackActionSolved, core.SlackActionClose}},
		{"Solved", func(p *core.SlackPost) { p.Solved = true }, []string{core.SlackActionAssignMe, core.SlackActionClose}},
		{"Closed", func(p *core.SlackPost) { p.Status = core.StatusClosed }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := p
			c.edit(&q)
			got := ids(q)
			if len(got) != len(c.want) {
				t.Fatalf("buttons %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("buttons %v, want %v", got, c.want)
				}
			}
		})
	}
}
