package templates

import (
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
)

// noticeCase is one rendering of a template and what each part must (not)
// contain.
type noticeCase struct {
	name                         string
	edit                         func(n *core.Notice)
	text, notText, html, notHTML []string
}

func runNoticeCases(t *testing.T, template string, base core.Notice, tests []noticeCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := base
			n.Results = slices.Clone(base.Results)
			if tc.edit != nil {
				tc.edit(&n)
			}
			text, html, err := Render(template, n)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, s := range tc.text {
				if !strings.Contains(text, s) {
					t.Errorf("text part lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tc.notText {
				if strings.Contains(text, s) {
					t.Errorf("text part has %q:\n%s", s, text)
				}
			}
			for _, s := range tc.html {
				if !strings.Contains(html, s) {
					t.Errorf("html part lacks %q:\n%s", s, html)
				}
			}
			for _, s := range tc.notHTML {
				if strings.Contains(html, s) {
					t.Errorf("html part has %q:\n%s", s, html)
				}
			}
			if !strings.Contains(n.Text, "#") { // an agent's own "#" lines are theirs
				checkNoCommandLines(t, text)
			}
		})
	}
}

// checkNoCommandLines fails when a line of the text part starts with "#":
// quoted back without "> ", it would be read as a customer's command.
func checkNoCommandLines(t *testing.T, text string) {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			t.Errorf("line %q starts with #", l)
		}
	}
}

func TestRender_AckPredecessor(t *testing.T) {
	base := core.Notice{Number: 1042, Subject: "Printer", Name: "Ann", Text: "Still broken.", Ref: "T1042-K3F9A2C1"}
	runNoticeCases(t, core.TemplateAck, base, []noticeCase{
		{
			name:    "None",
			notText: []string{"follows", "closed"},
			notHTML: []string{"follows", "closed"},
		},
		{
			name: "Set",
			edit: func(n *core.Notice) { n.Predecessor = 977 },
			text: []string{
				"opened ticket #1042 for it:\nPrinter\n\nThis ticket follows the closed ticket #977: that one was closed too long ago or has already been rated, so your message opened this new ticket.\n\nYou wrote:",
				"Ref: T1042-K3F9A2C1", "automatic message",
			},
			html: []string{"This ticket follows the closed ticket #977", "<blockquote>"},
		},
	})
}

func TestRender_Reply(t *testing.T) {
	base := core.Notice{
		Number: 1042, Subject: "Checkout page is blank", Name: "Ann",
		Text: "Hi Ann,\n\nplease clear the cache:\n1. open settings\n2. click clear\n\nBest", Agent: "Bob Agent",
		Ref: "T1042-K3F9A2C1",
	}
	runNoticeCases(t, core.TemplateReply, base, []noticeCase{
		{
			name: "OK",
			text: []string{
				"Hi Ann,\n\nplease clear the cache:\n1. open settings\n2. click clear\n\nBest\n\nBob Agent\n",
				"reply to this mail to answer", "Ticket #1042: Checkout page is blank", "Ref: T1042-K3F9A2C1",
			},
			notText: []string{"automatic message", "Hello", "> "},
			html: []string{
				"<p>Hi Ann,</p>", "please clear the cache:<br>\n1. open settings<br>\n2. click clear</p>", "<p>Best</p>",
				"<p>Bob Agent</p>", "<hr>", "reply to this mail to answer", "Ref: T1042-K3F9A2C1",
			},
			notHTML: []string{"<ol>", "<blockquote>", "automatic message"},
		},
		{
			name:    "NoAgent",
			edit:    func(n *core.Notice) { n.Agent = " \n" },
			text:    []string{"Best\n\nThe support team\n"},
			html:    []string{"<p>The support team</p>"},
			notHTML: []string{"Bob"},
		},
		{
			name: "TextTrimmed",
			edit: func(n *core.Notice) { n.Text = "\n\n  Done.\n\n\n" },
			text: []string{"Done.\n\nBob Agent"},
			html: []string{"<p>Done.</p>\n<p>Bob Agent</p>"},
		},
		{
			name: "NoText",
			edit: func(n *core.Notice) { n.Text = "" },
			text: []string{"(no text)\n\nBob Agent"},
		},
		{
			name: "MarkupInText",
			edit: func(n *core.Notice) {
				n.Text = "**bold** <b>tag</b> [click](http://evil.test)\n# heading\n    indented <i>"
			},
			text:    []string{"**bold** <b>tag</b> [click](http://evil.test)\n# heading\n    indented <i>"},
			html:    []string{"**bold** &lt;b&gt;tag&lt;/b&gt; [click](http://evil.test)<br>\n# heading<br>\n\u00a0\u00a0\u00a0\u00a0indented &lt;i&gt;"},
			notHTML: []string{"<strong>", "<b>", "<a ", "<h1>", "<pre>", "<i>"},
		},
		{
			name:    "MarkupInAgent",
			edit:    func(n *core.Notice) { n.Agent = "<script>x</script> [me](http://evil.test)" },
			text:    []string{"<script>x</script> [me](http://evil.test)"},
			html:    []string{"&lt;script&gt;x&lt;/script&gt; [me](http://evil.test)"},
			notHTML: []string{"<script", "<a "},
		},
	})
}

func TestRender_Status(t *testing.T) {
	base := core.Notice{Number: 1042, Subject: "Checkout page is blank", Name: "Ann", Ref: "T1042-K3F9A2C1"}
	footer := []string{"Checkout page is blank", "Ref: T1042-K3F9A2C1", "This is an automatic message."}
	status := func(s, reason string) func(n *core.Notice) {
		return func(n *core.Notice) { n.Status, n.Reason = s, reason }
	}
	runNoticeCases(t, core.TemplateStatus, base, []noticeCase{
		{
			name:    "Submitted",
			edit:    status("submitted", ""),
			text:    append([]string{"Hello Ann,", "Your ticket #1042 is in our queue", "add information to the ticket"}, footer...),
			notText: []string{"Reason", "has taken"},
		},
		{
			name: "Assigned",
			edit: status("assigned", ""),
			text: append([]string{"An engineer has taken your ticket #1042:\nCheckout page is blank\n\nYou can simply reply"}, footer...),
			html: []string{"An engineer has taken your ticket #1042:<br>\nCheckout page is blank</p>", "Ref: T1042-K3F9A2C1"},
		},
		{
			name: "InProgress",
			edit: status("in_progress", ""),
			text: append([]string{"An engineer is working on your ticket #1042"}, footer...),
		},
		{
			name: "PreClosed",
			edit: status("pre_closed", ""),
			text: append([]string{"We believe your ticket #1042 is solved", "closed in 3 days unless you reply", "reply to this mail, or send the command #reopen"}, footer...),
			html: []string{"closed in 3 days unless you reply", "#reopen"},
		},
		{
			name: "PreClosedReason",
			edit: status("pre_closed", "no reply for 5 days"),
			text: []string{"Checkout page is blank\nReason: no reply for 5 days\n\nIt will be closed in 3 days"},
			html: []string{"Checkout page is blank<br>\nReason: no reply for 5 days</p>"},
		},
		{
			name:    "Closed",
			edit:    status("closed", ""),
			text:    append([]string{"Your ticket #1042 is now closed", "#rate followed by a score from 1 to 5", "reply within 14 days"}, footer...),
			notText: []string{"in our queue", "3 days"},
		},
		{
			name: "ClosedReason",
			edit: status("closed", "closed by the customer"),
			text: []string{"Reason: closed by the customer", "#rate"},
		},
		{
			name: "Reopened",
			edit: status("reopened", ""),
			text: append([]string{"Your ticket #1042 has been reopened"}, footer...),
		},
		{
			name:    "UnknownStatus",
			edit:    status("<b>on_hold</b>", ""),
			text:    []string{`The status of your ticket #1042 is now "<b>on_hold</b>"`},
			html:    []string{"&lt;b&gt;on_hold&lt;/b&gt;"},
			notHTML: []string{"<b>"},
		},
		{
			name:    "NoName",
			edit:    func(n *core.Notice) { n.Name, n.Status = "", "assigned" },
			text:    []string{"Hello,\n"},
			notText: []string{"Hello ,"},
		},
		{
			name:    "MarkupInReason",
			edit:    status("pre_closed", "[click](http://evil.test) <script>x</script>\n# big"),
			text:    []string{"Reason: [click](http://evil.test) <script>x</script> # big\n"},
			html:    []string{"Reason: [click](http://evil.test) &lt;script&gt;x&lt;/script&gt; # big"},
			notHTML: []string{"<a ", "<script", "<h1>"},
		},
	})
}

func TestRender_Commands(t *testing.T) {
	base := core.Notice{
		Number: 1042, Subject: "Checkout page is blank", Name: "Ann", Ref: "T1042-K3F9A2C1",
		Results: []string{"Priority set to major.", "HotRush not switched on: the account has no entitlement."},
	}
	runNoticeCases(t, core.TemplateCommands, base, []noticeCase{
		{
			name: "OK",
			text: []string{
				"We received your commands for ticket #1042:\nCheckout page is blank\n\n- Priority set to major.\n- HotRush not switched on: the account has no entitlement.\n\n",
				"Ref: T1042-K3F9A2C1", "This is an automatic message.",
			},
			html: []string{"<ul>", "<li>Priority set to major.</li>", "<li>HotRush not switched on: the account has no entitlement.</li>", "</ul>", "Ref: T1042-K3F9A2C1"},
		},
		{
			name:    "None",
			edit:    func(n *core.Notice) { n.Results = nil },
			text:    []string{"- We found no command in your message."},
			notText: []string{"Priority"},
		},
		{
			name: "MarkupInResults",
			edit: func(n *core.Notice) {
				n.Results = []string{"1. <script>x</script>", "#rate 6: refused\n- [click](http://evil.test)", "   **bold**"}
			},
			text:    []string{"- 1. <script>x</script>\n- #rate 6: refused - [click](http://evil.test)\n- **bold**\n"},
			html:    []string{"<li>1. &lt;script&gt;x&lt;/script&gt;</li>", "<li>#rate 6: refused - [click](http://evil.test)</li>", "<li>**bold**</li>"},
			notHTML: []string{"<ol>", "<script", "<a ", "<strong>", "<h1>"},
		},
	})
}

// TestRender_Injection fills every string of the notice, for every
// template, with markup and mentions: the HTML part must show it all
// literally, the text part as typed. The value fits the shortest bound of
// a notice (a name's), so that it is shown whole.
func TestRender_Injection(t *testing.T) {
	const evil = `<script>x</script><img src=x>[c](http://e.test)**b**<!here>&amp;`
	for _, name := range Names() {
		for _, status := range []string{"", "assigned", "pre_closed", "closed"} {
			t.Run(name+"/"+status, func(t *testing.T) {
				var n core.Notice
				mapStrings(&n, func(string, string) string { return evil })
				n.Results = []string{evil, evil}
				n.Number, n.Predecessor = 1042, 977
				if status != "" {
					n.Status = status
				}
				text, html, err := Render(name, n)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if !strings.Contains(text, evil) {
					t.Errorf("text part lacks the raw value:\n%s", text)
				}
				for _, bad := range []string{"<script", "<img", "<a ", "<strong>", "<!here>", "raw HTML omitted"} {
					if strings.Contains(html, bad) {
						t.Errorf("html part has %q:\n%s", bad, html)
					}
				}
				if !strings.Contains(html, "&lt;script&gt;x&lt;/script&gt;&lt;img src=x&gt;[c](http://e.test)**b**&lt;!here&gt;&amp;amp;") {
					t.Errorf("html part lacks the escaped value:\n%s", html)
				}
				checkNoCommandLines(t, text)
			})
		}
	}
}

func TestNames_All(t *testing.T) {
	names := Names()
	for _, want := range []string{core.TemplateAck, core.TemplateReply, core.TemplateStatus, core.TemplateCommands} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v, lacks %q", names, want)
		}
	}
}
