package templates

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// TestRender_Tasks: a project's notices list its tasks with progress,
// due date and a behind-schedule mark (docs/rules.md §2), in both parts
// and both languages; a notice without tasks has no such section.
func TestRender_Tasks(t *testing.T) {
	n := core.Notice{Number: 7, Subject: "Shop", Ref: "T7-X", Text: "Done soon.", Tasks: []core.TaskLine{
		{Number: 1, Title: "Theme", Status: "working", Progress: 40, Due: "2026-12-20", Overdue: true},
		{Number: 2, Title: "Import", Status: "scheduled"},
	}}
	for _, c := range []struct {
		lang, tmpl string
		want       []string
	}{
		{core.LangEN, core.TemplateReply, []string{"Task 1: Theme, working, 40% done, due 2026-12-20 (behind schedule)", "Task 2: Import, scheduled, 0% done\n"}},
		{core.LangEN, core.TemplateStatus, []string{"Project tasks:", "40% done"}},
		{core.LangRU, core.TemplateReply, []string{"Задача 1: Theme, working, выполнено 40%, срок 2026-12-20 (отстаёт от графика)"}},
	} {
		n.Lang, n.Status = c.lang, core.StatusInProgress
		text, html, err := Render(c.tmpl, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %s text lacks %q:\n%s", c.lang, c.tmpl, w, text)
			}
		}
		if !strings.Contains(html, "2026-12-20") {
			t.Errorf("%s %s HTML lacks the due date:\n%s", c.lang, c.tmpl, html)
		}
	}
	n.Tasks, n.Lang = nil, core.LangEN
	if text, _, _ := Render(core.TemplateReply, n); strings.Contains(text, "Project tasks") {
		t.Errorf("a notice without tasks lists them:\n%s", text)
	}
}
