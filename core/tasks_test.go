package core_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

// lastCard is the tasks of the newest card redraw of ticket n.
func (f *fixture) lastCard(t *testing.T, n int64) []core.TaskLine {
	t.Helper()
	ups := f.outbox(t, n)[core.OutboxSlackUpdate]
	if len(ups) == 0 {
		t.Fatalf("ticket %d has no card redraw", n)
	}
	var p core.SlackPost
	if err := json.Unmarshal(ups[len(ups)-1].Payload, &p); err != nil {
		t.Fatal(err)
	}
	return p.Tasks
}

// TestTaskSchedule pins docs/rules.md §2's project tasks: staff set a
// task's developer, time frame and progress from the one action; the
// customer may not; bad values are refused with a reason; the card
// shows them, and the task turns overdue only once the fake clock is
// past its due day without the task finished.
func TestTaskSchedule(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "projects@support.example.com")
	if _, err := f.act(n, agent, "task", "add", "Theme", "port"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who  core.Actor
		args string
		want string // in the error; "" for success
	}{
		{agent, "1 developer Ivan Petrov", ""},
		{agent, "1 start 2026-12-01", ""},
		{agent, "1 due 2026-11-30", "before it starts"},
		{agent, "1 due 2026-12-20", ""},
		{agent, "1 progress 40%", ""},
		{agent, "1 progress 101", "from 0 to 100"},
		{agent, "1 progress", "usage: task N progress"},
		{agent, "1 due 20.12.2026", "a date like 2026-12-20"},
		{agent, "1 start 2026-12-21", "before it starts"},
		{agent, "2 due 2026-12-20", "no task 2"},
		{agent, "1 developer " + strings.Repeat("x", 101), "at most 100"},
		{customer, "1 progress 90", "only support staff"},
	} {
		_, err := f.act(n, c.who, "task", strings.Fields(c.args)...)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s task %s: %v, want %q", c.who.Kind, c.args, err, c.want)
		}
	}
	tasks, err := f.db.Tasks(t.Context(), n)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks %+v, %v", tasks, err)
	}
	tk := tasks[0]
	if tk.Developer != "Ivan Petrov" || tk.Start.Format(core.DateLayout) != "2026-12-01" ||
		tk.Due.Format(core.DateLayout) != "2026-12-20" || tk.Progress != 40 {
		t.Fatalf("task %+v", tk)
	}
	want := core.TaskLine{Number: 1, Title: "Theme port", Status: "scheduled", Developer: "Ivan Petrov",
		Start: "2026-12-01", Due: "2026-12-20", Progress: 40}
	if got := f.lastCard(t, n); len(got) != 1 || got[0] != want {
		t.Fatalf("card tasks %+v, want %+v", got, want)
	}

	for _, c := range []struct {
		now     time.Time
		status  string
		overdue bool
	}{
		{time.Date(2026, 12, 20, 23, 59, 0, 0, time.UTC), "working", false}, // due through its day
		{time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC), "working", true},
		{time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC), "completed", true}, // done, not yet approved
		{time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC), "closed", false},
	} {
		tk.Status = c.status
		if got := tk.Overdue(c.now); got != c.overdue {
			t.Errorf("%s task at %s: overdue %v, want %v", c.status, c.now, got, c.overdue)
		}
	}
	// Moving the clock past the due day: the next redraw flags it.
	f.now = time.Date(2026, 12, 22, 9, 0, 0, 0, time.UTC)
	if _, err := f.act(n, agent, "task", "1", "progress", "60"); err != nil {
		t.Fatal(err)
	}
	if got := f.lastCard(t, n); len(got) != 1 || !got[0].Overdue || got[0].Progress != 60 {
		t.Fatalf("card tasks after the due day %+v, want overdue at 60%%", got)
	}
	if _, err := f.act(n, agent, "task", "1", "due", "none"); err != nil {
		t.Fatal(err)
	}
	if got := f.lastCard(t, n); got[0].Overdue || got[0].Due != "" {
		t.Fatalf("card tasks after clearing the due date %+v", got)
	}
	// The customer's notices carry the tasks with their progress.
	if _, err := f.act(n, agent, "assign", "me"); err != nil {
		t.Fatal(err)
	}
	ns := f.emails(t, n, core.TemplateStatus)
	if len(ns) == 0 || len(ns[len(ns)-1].Data.Tasks) != 1 || ns[len(ns)-1].Data.Tasks[0].Progress != 60 {
		t.Fatalf("status notices %+v, want the task at 60%%", ns)
	}
}

// TestTaskSchedule_SweepRedraws: the sweep after a task's due day ends
// redraws its card red and says so in the thread, once; a finished task
// is left alone.
func TestTaskSchedule_SweepRedraws(t *testing.T) {
	f := mustRulesFixture(t)
	n := f.open(t, "ann@shop.example", "projects@support.example.com")
	for _, args := range [][]string{{"add", "Theme", "port"}, {"add", "Logo"}, {"1", "due", "2026-12-20"}, {"2", "due", "2026-12-20"}, {"2", "closed"}} {
		if _, err := f.act(n, agent, "task", args...); err != nil {
			t.Fatalf("task %v: %v", args, err)
		}
	}
	events := func() []string {
		var out []string
		for _, it := range f.outbox(t, n)[core.OutboxSlackReply] {
			var p core.SlackPost
			if err := json.Unmarshal(it.Payload, &p); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(p.Event, "overdue:") {
				out = append(out, p.Event)
			}
		}
		return out
	}
	if res := f.sweep(t, time.Date(2026, 12, 20, 23, 0, 0, 0, time.UTC)); res.OverdueTasks != 0 || len(events()) != 0 {
		t.Fatalf("before the due day ended: %d overdue, events %v", res.OverdueTasks, events())
	}
	res := f.sweep(t, time.Date(2026, 12, 21, 0, 1, 0, 0, time.UTC))
	if ev := events(); res.OverdueTasks != 1 || len(ev) != 1 || ev[0] != "overdue: task 1 (due 2026-12-20)" {
		t.Fatalf("after the due day: %d overdue, events %v", res.OverdueTasks, ev)
	}
	if got := f.lastCard(t, n); len(got) != 2 || !got[0].Overdue || got[1].Overdue {
		t.Fatalf("card tasks %+v, want task 1 red and task 2 not", got)
	}
	if res := f.sweep(t, time.Date(2026, 12, 21, 0, 2, 0, 0, time.UTC)); res.OverdueTasks != 0 || len(events()) != 1 {
		t.Fatalf("the next sweep: %d overdue, events %v, want nothing new", res.OverdueTasks, events())
	}
}
