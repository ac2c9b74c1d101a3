package slack

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// The card's buttons do what they say for an agent, who is answered
// ephemerally; anyone else is refused and nothing changes.
func TestInteractions_Buttons(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")

	before := env.snapshot(t, n)
	if got := env.press(t, "U0STRANGER", core.SlackActionClose, n); got != notAgent {
		t.Fatalf("stranger's press answered %q", got)
	}
	if got := env.snapshot(t, n); got != before {
		t.Fatalf("a stranger's press changed: %s, was %s", got, before)
	}

	steps := []struct {
		action, want string
	}{
		{core.SlackActionAssignMe, "Ticket #1 assigned to U0AGENT."},
		{core.SlackActionSolved, "Ticket #1 is marked solved."},
		{core.SlackActionClose, "Ticket #1 is closed."},
		{core.SlackActionClose, "Not done: ticket #1 is closed already."},
	}
	for _, s := range steps {
		if got := env.press(t, "U0AGENT", s.action, n); got != s.want {
			t.Fatalf("%s answered %q, want %q", s.action, got, s.want)
		}
	}
	r := env.ticket(t, n)
	if r.Assignee != "U0AGENT" || r.Status != core.StatusClosed {
		t.Fatalf("ticket %s assigned to %q, want closed and Dana's", r.Status, r.Assignee)
	}
	// Each change redrew the card.
	if ups := env.outbox(t, n)[core.OutboxSlackUpdate]; len(ups) < 3 {
		t.Fatalf("%d card updates, want one per change", len(ups))
	}
	env.mu.Lock()
	defer env.mu.Unlock()
	for _, a := range env.answers {
		if strings.HasPrefix(a, "NOT EPHEMERAL") {
			t.Fatalf("answer %q", a)
		}
	}
}
