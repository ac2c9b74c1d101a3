package templates

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// The answer to #tickets (docs/rules.md §6) lists each open ticket with
// its status, last activity and reply address; with none it says so.
func TestRender_Tickets(t *testing.T) {
	n := core.Notice{Name: "Ann", Tickets: []core.TicketLine{
		{Number: 7, Subject: "Blank <page>", Status: "in_progress", LastActivity: "2026-11-23 09:00 UTC",
			ReplyTo: "support+abc@support.example.com"},
		{Number: 9, Subject: "Invoice", Status: "submitted", LastActivity: "2026-11-24 10:00 UTC",
			ReplyTo: "sales+def@support.example.com"},
	}}
	text, html, err := Render(core.TemplateTickets, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#7 Blank <page>: in_progress, last activity 2026-11-23 09:00 UTC",
		"reply to support+abc@support.example.com", "#9 Invoice: submitted", "sales+def@support.example.com"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(html, "Blank &lt;page&gt;") || strings.Contains(html, "<page>") {
		t.Errorf("html part does not escape the subject:\n%s", html)
	}
	checkNoCommandLines(t, text)
	text, _, err = Render(core.TemplateTickets, core.Notice{})
	if err != nil || !strings.Contains(text, "no open ticket") {
		t.Fatalf("empty list: %v\n%s", err, text)
	}
}
