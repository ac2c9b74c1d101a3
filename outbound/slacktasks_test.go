package outbound

import (
	"encoding/json"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestTicketBlocks_Tasks: a project's card lists its tasks with status,
// progress, developer and time frame, marks an overdue one red
// (docs/rules.md §2), escapes what staff typed, and has no task line
// for a ticket without tasks.
func TestTicketBlocks_Tasks(t *testing.T) {
	p := core.SlackPost{Number: 7, Subject: "New shop", Status: core.StatusInProgress, Type: core.TypeProject,
		Tasks: []core.TaskLine{
			{Number: 1, Title: "Theme <@U123>", Status: "working", Developer: "Ivan", Start: "2026-12-01", Due: "2026-12-20", Progress: 40, Overdue: true},
			{Number: 2, Title: "Import", Status: "scheduled"},
		}}
	b, err := json.Marshal(ticketBlocks(p))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []struct {
		Text *struct{ Text string } `json:"text"`
	}
	if err := json.Unmarshal(b, &blocks); err != nil {
		t.Fatal(err)
	}
	var card string
	for _, bl := range blocks {
		if bl.Text != nil && strings.HasPrefix(bl.Text.Text, "*Tasks*") {
			card = bl.Text.Text
		}
	}
	for _, want := range []string{
		":red_circle: 1. Theme &lt;@U123&gt; · working · 40% · Ivan · 2026-12-01 → 2026-12-20 · *overdue*",
		"\n• 2. Import · scheduled · 0%",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("task line %q missing from:\n%s", want, card)
		}
	}
	if strings.Count(card, ":red_circle:") != 1 {
		t.Errorf("only the overdue task is red:\n%s", card)
	}
	p.Tasks = nil
	if b, _ := json.Marshal(ticketBlocks(p)); strings.Contains(string(b), "*Tasks*") {
		t.Errorf("card without tasks has a task line:\n%s", b)
	}
}
