package slack

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"helpdesk/core"
)

func TestCheckResponseURL(t *testing.T) {
	slackHosts := DefaultResponseURLHosts
	for _, c := range []struct {
		url   string
		hosts []string
		ok    bool
	}{
		{"https://hooks.slack.com/actions/T0/123/abc", slackHosts, true},
		{"https://HOOKS.slack.com:443/actions/T0/123/abc", slackHosts, true},
		{"https://eu.hooks.slack.com/actions/T0/1/x", slackHosts, true},
		{"https://slack.com.evil.example/actions", slackHosts, false},
		{"https://evilslack.com/actions", slackHosts, false},
		{"https://hooks.slack.com@evil.example/actions", slackHosts, false},
		{"https://x:y@hooks.slack.com/actions", slackHosts, false},
		{"http://hooks.slack.com/actions/T0/1/x", slackHosts, false},
		{"http://169.254.169.254/latest/meta-data", slackHosts, false},
		{"http://127.0.0.1:8080/response", slackHosts, false},
		{"http://127.0.0.1:8080/response", []string{"127.0.0.1"}, true},
		{"http://localhost:8080/response", []string{"127.0.0.1"}, false},
		{"http://10.0.0.5/response", []string{"10.0.0.5"}, false}, // plain http beyond loopback
		{"file:///etc/passwd", slackHosts, false},
		{"gopher://hooks.slack.com/", slackHosts, false},
		{"://bad", slackHosts, false},
	} {
		err := checkResponseURL(c.url, c.hosts)
		if (err == nil) != c.ok {
			t.Errorf("checkResponseURL(%q, %v) = %v, want ok %v", c.url, c.hosts, err, c.ok)
		}
	}
}

// TestInteractions_ResponseURLRefused: a signed button press whose
// response_url is not Slack's does nothing, answers 400 and posts
// nowhere.
func TestInteractions_ResponseURLRefused(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example")
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	before := env.snapshot(t, n)
	for _, u := range []string{
		strings.Replace(target.URL, "127.0.0.1", "localhost", 1) + "/internal", // loopback, but not listed
		"https://metadata.internal.example/latest",
		"http://169.254.169.254/latest/meta-data",
	} {
		w := env.pressAt(t, "U0AGENT", core.SlackActionClose, n, u)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("press naming %s answered %d, want 400", u, w.Code)
		}
	}
	if got := env.snapshot(t, n); got != before {
		t.Fatalf("a refused press changed the ticket: %s, was %s", got, before)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests reached the response_url's host, want none", hits.Load())
	}
	if got := env.press(t, "U0AGENT", core.SlackActionClose, n); got != "Ticket #1 is closed." {
		t.Fatalf("a press naming Slack's response_url answered %q", got)
	}
}

// TestSlack_AgentDepartments: an agent of sales acting from Slack on a
// support ticket is refused with the reason, whichever way they act;
// nothing changes.
func TestSlack_AgentDepartments(t *testing.T) {
	env := mustDesk(t)
	n := env.mustTicket(t, "ann@shop.example") // to support@
	before := env.snapshot(t, n)
	const why = "ticket #1 belongs to the support department, and Sam works in sales only"
	if got := env.press(t, "U0SALES", core.SlackActionClose, n); !strings.Contains(got, why) {
		t.Fatalf("button answered %q, want %q", got, why)
	}
	if got := env.command(t, "U0SALES", "#1 priority major"); !strings.Contains(got, why) {
		t.Fatalf("/helpdesk answered %q, want %q", got, why)
	}
	env.postEvent(t, event("EvSales", reply("U0SALES", "1700000000.000700", "We can offer a discount.")))
	if mails := env.emails(t, n, core.TemplateReply); len(mails) != 0 {
		t.Fatalf("%d answer mails by an agent of another department", len(mails))
	}
	ns := env.notices(t, n)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "Not sent to the customer") || !strings.Contains(ns[0].Text, why) {
		t.Fatalf("thread notices %+v, want the refusal", ns)
	}
	after := env.snapshot(t, n)
	if strings.Split(after, ",")[0] != strings.Split(before, ",")[0] {
		t.Fatalf("ticket changed: %s, was %s", after, before)
	}
	if got := env.press(t, "U0AGENT", core.SlackActionClose, n); got != "Ticket #1 is closed." {
		t.Fatalf("an agent without departments: %q", got)
	}
}
