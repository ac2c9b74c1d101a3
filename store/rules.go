package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core"
)

// Tasks returns the tasks of a ticket in order.
func (t *Tx) Tasks(ctx context.Context, ticket int64) ([]core.Task, error) {
	rows, err := t.query(ctx, `SELECT id, ticket_id, number, title, status, updated_at,
		developer, start_on, due_on, progress FROM tasks WHERE ticket_id = ? ORDER BY number`, ticket)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	var out []core.Task
	for rows.Next() {
		var tk core.Task
		var updated, start, due string
		if err := rows.Scan(&tk.ID, &tk.Ticket, &tk.Number, &tk.Title, &tk.Status, &updated,
			&tk.Developer, &start, &due, &tk.Progress); err != nil {
			return nil, err
		}
		tk.UpdatedAt, tk.Start, tk.Due = parseTime(updated), parseDate(start), parseDate(due)
		out = append(out, tk)
	}
	return out, rows.Err()
}

// CreateTask adds a task with the next number of its ticket.
func (t *Tx) CreateTask(ctx context.Context, tk *core.Task) error {
	err := t.queryRow(ctx, `INSERT INTO tasks (ticket_id, number, title, status, updated_at)
		VALUES (?1, (SELECT COALESCE(MAX(number), 0) + 1 FROM tasks WHERE ticket_id = ?1), ?2, ?3, ?4)
		RETURNING id, number`, tk.Ticket, tk.Title, tk.Status, fmtTime(tk.UpdatedAt)).Scan(&tk.ID, &tk.Number)
	if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	return nil
}

// UpdateTask writes a task's title, status, developer, time frame and
// progress.
func (t *Tx) UpdateTask(ctx context.Context, tk *core.Task) error {
	_, err := t.exec(ctx, `UPDATE tasks SET title = ?, status = ?, updated_at = ?,
		developer = ?, start_on = ?, due_on = ?, progress = ? WHERE id = ?`,
		tk.Title, tk.Status, fmtTime(tk.UpdatedAt), tk.Developer, fmtDate(tk.Start), fmtDate(tk.Due), tk.Progress, tk.ID)
	if err != nil {
		return fmt.Errorf("update task %d: %w", tk.ID, err)
	}
	return nil
}

// SweepDue returns the tickets whose timers may have come due, each query
// served by a partial index so the sweep stays cheap on a large database.
// Core decides for each ticket; this only narrows the search.
func (t *Tx) SweepDue(ctx context.Context, q core.SweepQuery) ([]int64, error) {
	queries := []struct {
		sql  string
		args []any
	}{
		{`SELECT id FROM tickets WHERE ` + activeStatus + ` AND type IN ('support', 'generic') AND solved = 1
			AND last_public_at <= ?`, []any{fmtTime(q.SolvedIdleBefore)}},
		{`SELECT id FROM tickets WHERE ` + activeStatus + ` AND type = 'sales' AND solved IN (0, 1)
			AND last_public_at <= ?`, []any{fmtTime(q.SalesIdleBefore)}},
		{`SELECT id FROM tickets WHERE ` + activeStatus + ` AND type = 'project' AND solved IN (0, 1)
			AND last_public_at <= ?`, []any{fmtTime(q.ProjectIdleBefore)}},
		{`SELECT id FROM tickets WHERE status = 'pre_closed' AND status_at <= ?`, []any{fmtTime(q.PreClosedBefore)}},
		{`SELECT id FROM tickets WHERE awaiting_reply = 1 AND sla_state IN ('ok', 'at_risk') AND status != 'closed'
			AND sla_risk_at <= ? AND sla_risk_at != ''`, []any{fmtTime(q.Now)}},
	}
	seen := map[int64]bool{}
	var out []int64
	for _, qq := range queries {
		rows, err := t.query(ctx, qq.sql, qq.args...)
		if err != nil {
			return nil, fmt.Errorf("sweep query: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Queue returns up to limit active tickets awaiting a staff reply in
// queue order (docs/rules.md §3): HotRush first, then effective priority, then
// first-response due time, then number.
func (s *DB) Queue(ctx context.Context, limit int) ([]core.TicketSummary, error) {
	return s.ticketRows(ctx, `SELECT `+ticketRowColumns+` FROM tickets INDEXED BY tickets_queue
		WHERE awaiting_reply = 1 AND `+activeStatus+`
		ORDER BY hotrush DESC, rank DESC, sla_due, id LIMIT ?`, limit)
}

// QueueTagged is Queue over the tickets tagged tag ("": every ticket).
func (s *DB) QueueTagged(ctx context.Context, tag string, limit int) ([]core.TicketSummary, error) {
	if tag == "" {
		return s.Queue(ctx, limit)
	}
	return s.QueuePage(ctx, TicketPage{Tag: tag, Limit: max(limit, 1)})
}

// ThreadMessageIDs returns the last n Message-IDs of the ticket's mail,
// received and sent, oldest first.
func (t *Tx) ThreadMessageIDs(ctx context.Context, ticket int64, n int) ([]string, error) {
	// Automatic mail (an out-of-office) is left out: a notice answers
	// the people, not their robots.
	rows, err := t.query(ctx, `SELECT message_id FROM (SELECT message_id, rowid FROM message_ids
		WHERE ticket_id = ? AND (message IS NULL OR message NOT IN (SELECT id FROM messages WHERE auto = 1))
		ORDER BY rowid DESC LIMIT ?) AS recent ORDER BY rowid`, ticket, n)
	if err != nil {
		return nil, fmt.Errorf("thread message ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// FirstMessage returns the first inbound message of a ticket.
func (t *Tx) FirstMessage(ctx context.Context, ticket int64) (*core.Message, error) {
	m, err := scanMessage(t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE ticket_id = ? AND direction = 'inbound' ORDER BY id LIMIT 1`, ticket))
	return m, notFound(err, "message")
}

// dateLayout is how a task's dates are stored: they name days, not
// instants, and compare as text.
const dateLayout = "2006-01-02"

func fmtDate(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.UTC().Format(dateLayout)
}

func parseDate(s string) time.Time {
	d, _ := time.Parse(dateLayout, s)
	return d
}

// TasksDueOn implements core.Tx: the unfinished tasks of open tickets
// due on one of days.
func (t *Tx) TasksDueOn(ctx context.Context, days []string) ([]core.Task, error) {
	if len(days) == 0 {
		return nil, nil
	}
	var finished []string
	for _, st := range core.TaskStatuses {
		if core.TaskFinished(st) {
			finished = append(finished, "'"+st+"'")
		}
	}
	args := make([]any, len(days))
	for i, d := range days {
		args[i] = d
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT k.ticket_id, k.number, k.due_on
		FROM tasks k JOIN tickets t ON t.id = k.ticket_id
		WHERE k.due_on IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(days)), ", ")+`)
			AND k.status NOT IN (`+strings.Join(finished, ", ")+`) AND t.status != 'closed'
		ORDER BY k.ticket_id, k.number`, args...)
	if err != nil {
		return nil, fmt.Errorf("tasks due on %v: %w", days, err)
	}
	defer rows.Close()
	var out []core.Task
	for rows.Next() {
		var tk core.Task
		var due string
		if err := rows.Scan(&tk.Ticket, &tk.Number, &due); err != nil {
			return nil, fmt.Errorf("tasks due on %v: %w", days, err)
		}
		tk.Due = parseDate(due)
		out = append(out, tk)
	}
	return out, rows.Err()
}

// OverdueTasks returns up to limit tasks of open tickets due before the
// day of now and not finished, the longest overdue first.
func (s *DB) OverdueTasks(ctx context.Context, now time.Time, limit int) ([]core.OverdueTask, error) {
	var finished []string
	for _, st := range core.TaskStatuses {
		if core.TaskFinished(st) {
			finished = append(finished, "'"+st+"'")
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT k.ticket_id, t.department, t.subject, k.number, k.title, k.status,
		k.developer, k.start_on, k.due_on, k.progress
		FROM tasks k JOIN tickets t ON t.id = k.ticket_id
		WHERE k.due_on != '' AND k.due_on < ? AND k.status NOT IN (`+strings.Join(finished, ", ")+`)
			AND t.status != 'closed'
		ORDER BY k.due_on, k.ticket_id, k.number LIMIT ?`, now.UTC().Format(dateLayout), limit)
	if err != nil {
		return nil, fmt.Errorf("overdue tasks: %w", err)
	}
	defer rows.Close()
	var out []core.OverdueTask
	for rows.Next() {
		var o core.OverdueTask
		var start, due string
		if err := rows.Scan(&o.Ticket, &o.Department, &o.Subject, &o.Number, &o.Title, &o.Status,
			&o.Developer, &start, &due, &o.Progress); err != nil {
			return nil, err
		}
		o.Start, o.Due = parseDate(start), parseDate(due)
		out = append(out, o)
	}
	return out, rows.Err()
}
