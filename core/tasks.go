package core

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// docs/rules.md §2: a project task's developer, time frame and progress.

// taskFields are what staff set with `task N FIELD VALUE`.
var taskFields = []string{"developer", "start", "due", "progress"}

// DateLayout is how a task's dates are written: a day, in UTC.
const DateLayout = "2006-01-02"

// maxDeveloper bounds a developer's name, which staff type.
const maxDeveloper = 100

// Overdue reports whether the task is past its due date at now without
// being finished: a task due on a day may be finished through that day.
func (tk Task) Overdue(now time.Time) bool {
	return !tk.Due.IsZero() && !TaskFinished(tk.Status) && !now.UTC().Before(tk.Due.AddDate(0, 0, 1))
}

// taskOf returns task n of t.
func taskOf(ctx context.Context, tx Tx, t *Ticket, n int) (Task, error) {
	tasks, err := tx.Tasks(ctx, t.Number)
	if err != nil {
		return Task{}, err
	}
	i := slices.IndexFunc(tasks, func(tk Task) bool { return tk.Number == n })
	if i < 0 {
		return Task{}, Errorf(ENOTFOUND, "ticket #%d has no task %d", t.Number, n)
	}
	return tasks[i], nil
}

// setTaskField is staff's `task N developer NAME|start DATE|due DATE|
// progress PCT`; "none" clears a developer or a date.
func (s *Service) setTaskField(ctx context.Context, tx Tx, t *Ticket, a Actor, n int, field string, args []string, now time.Time) (string, error) {
	if a.Kind == ActorCustomer {
		return "", Errorf(EFORBIDDEN, "only support staff set a task's developer, time frame and progress")
	}
	tk, err := taskOf(ctx, tx, t, n)
	if err != nil {
		return "", err
	}
	value := strings.TrimSpace(strings.Join(args, " "))
	if value == "" {
		return "", Errorf(EINVALID, "usage: task N %s %s", field, map[string]string{
			"developer": "NAME", "start": "YYYY-MM-DD", "due": "YYYY-MM-DD", "progress": "0-100"}[field])
	}
	if err := applyTaskField(&tk, field, value); err != nil {
		return "", err
	}
	tk.UpdatedAt = now
	if err := tx.UpdateTask(ctx, &tk); err != nil {
		return "", err
	}
	what := fmt.Sprintf("task %d %s %s", n, field, value)
	if field == "progress" {
		what = fmt.Sprintf("task %d progress %d%%", n, tk.Progress)
	}
	if err := s.notifyChange(ctx, tx, t, what+" by "+a.String(), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s on ticket #%d", what, t.Number), nil
}

// applyTaskField sets one field of tk from value, or says why not.
func applyTaskField(tk *Task, field, value string) error {
	clear := strings.EqualFold(value, "none")
	switch field {
	case "developer":
		if utf8.RuneCountInString(value) > maxDeveloper {
			return Errorf(EINVALID, "a developer's name is at most %d characters", maxDeveloper)
		}
		if clear {
			value = ""
		}
		tk.Developer = value
		return nil
	case "progress":
		p, err := strconv.Atoi(strings.TrimSuffix(value, "%"))
		if err != nil || p < 0 || p > 100 {
			return Errorf(EINVALID, "progress is a percentage from 0 to 100, not %q", value)
		}
		tk.Progress = p
		return nil
	}
	var d time.Time
	if !clear {
		var err error
		if d, err = time.Parse(DateLayout, value); err != nil {
			return Errorf(EINVALID, "%s is a date like 2026-12-20, not %q", field, value)
		}
	}
	start, due := tk.Start, tk.Due
	if field == "start" {
		start = d
	} else {
		due = d
	}
	if !start.IsZero() && !due.IsZero() && due.Before(start) {
		return Errorf(EINVALID, "task %d would be due on %s, before it starts on %s",
			tk.Number, due.Format(DateLayout), start.Format(DateLayout))
	}
	tk.Start, tk.Due = start, due
	return nil
}

// taskLines are t's tasks as the card and notices show them at now; nil
// for a ticket that is no project.
func taskLines(ctx context.Context, tx Tx, t *Ticket, now time.Time) ([]TaskLine, error) {
	if t.Type != TypeProject {
		return nil, nil
	}
	tasks, err := tx.Tasks(ctx, t.Number)
	if err != nil {
		return nil, err
	}
	var out []TaskLine
	for _, tk := range tasks {
		l := TaskLine{Number: tk.Number, Title: tk.Title, Status: tk.Status, Developer: tk.Developer,
			Progress: tk.Progress, Overdue: tk.Overdue(now)}
		if !tk.Start.IsZero() {
			l.Start = tk.Start.Format(DateLayout)
		}
		if !tk.Due.IsZero() {
			l.Due = tk.Due.Format(DateLayout)
		}
		out = append(out, l)
	}
	return out, nil
}

// OverdueTask is a task past its due date without being finished, with
// its ticket: the at-risk list of the status page (docs/rules.md §2).
type OverdueTask struct {
	Task
	Department, Subject string
}

// redrawOverdue redraws the card of every ticket whose task became
// overdue since the last sweep (a card is drawn red only when redrawn),
// and says so in the thread. A task due on day D is overdue from D+1
// 00:00 UTC; the days looked at are those whose end fell after the last
// sweep, at most two back (after a restart a card may be redrawn twice,
// which changes nothing).
func (s *Service) redrawOverdue(ctx context.Context, now time.Time) (int, error) {
	from := now.Add(-48 * time.Hour)
	s.mu.Lock()
	if s.lastOverdue.After(from) {
		from = s.lastOverdue
	}
	s.mu.Unlock()
	var days []string
	for end := from.Truncate(24 * time.Hour).Add(24 * time.Hour); !end.After(now); end = end.Add(24 * time.Hour) {
		days = append(days, end.AddDate(0, 0, -1).Format("2006-01-02"))
	}
	n := 0
	if len(days) > 0 {
		err := s.store.Tx(ctx, func(tx Tx) error {
			tasks, err := tx.TasksDueOn(ctx, days)
			if err != nil {
				return err
			}
			n = len(tasks)
			byTicket := map[int64][]string{}
			var order []int64
			for _, tk := range tasks {
				if byTicket[tk.Ticket] == nil {
					order = append(order, tk.Ticket)
				}
				byTicket[tk.Ticket] = append(byTicket[tk.Ticket], fmt.Sprintf("task %d (due %s)", tk.Number, tk.Due.Format("2006-01-02")))
			}
			for _, id := range order {
				t, err := tx.Ticket(ctx, id)
				if err != nil {
					return err
				}
				if err := s.notifyChange(ctx, tx, t, "overdue: "+strings.Join(byTicket[id], ", "), now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("overdue tasks: %w", err)
		}
	}
	s.mu.Lock()
	s.lastOverdue = now
	s.mu.Unlock()
	return n, nil
}
