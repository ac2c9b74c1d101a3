package outbound

import (
	"encoding/json"
	"strings"
	"testing"

	"helpdesk/core"
)

// The card lists the people copied on the ticket (docs/rules.md §1), and
// has no such line when there are none.
func TestTicketBlocks_Participants(t *testing.T) {
	p := core.SlackPost{Number: 7, Subject: "Blank page", Status: core.StatusSubmitted,
		Participants: []string{"bob@shop.example", "carl@contractor.example"}}
	b, err := json.Marshal(ticketBlocks(p))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "*Cc* bob@shop.example, carl@contractor.example") {
		t.Errorf("card lacks the participants:\n%s", b)
	}
	p.Participants = nil
	if b, _ := json.Marshal(ticketBlocks(p)); strings.Contains(string(b), "*Cc*") {
		t.Errorf("card without participants has a Cc line:\n%s", b)
	}
}
