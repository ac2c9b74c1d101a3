package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AgentsAway returns the agents who said /helpdesk away.
func (t *Tx) AgentsAway(ctx context.Context) (map[string]bool, error) {
	rows, err := t.query(ctx, `SELECT agent FROM agents_away`)
	if err != nil {
		return nil, fmt.Errorf("agents away: %w", err)
	}
	defer rows.Close()
	away := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		away[a] = true
	}
	return away, rows.Err()
}

// SetAgentAway records that an agent is away, or back; it reports
// whether that changed anything.
func (t *Tx) SetAgentAway(ctx context.Context, agent string, away bool, now time.Time) (bool, error) {
	var res sql.Result
	var err error
	if away {
		res, err = t.exec(ctx, `INSERT INTO agents_away (agent, since) VALUES (?, ?) ON CONFLICT (agent) DO NOTHING`, agent, fmtTime(now))
	} else {
		res, err = t.exec(ctx, `DELETE FROM agents_away WHERE agent = ?`, agent)
	}
	if err != nil {
		return false, fmt.Errorf("set agent %s away=%v: %w", agent, away, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// OpenAssigned counts each agent's active tickets.
func (t *Tx) OpenAssigned(ctx context.Context) (map[string]int, error) {
	rows, err := t.query(ctx, `SELECT assignee, COUNT(*) FROM tickets WHERE `+activeStatus+` AND assignee != '' GROUP BY assignee`)
	if err != nil {
		return nil, fmt.Errorf("count open tickets per agent: %w", err)
	}
	defer rows.Close()
	load := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			return nil, err
		}
		load[a] = n
	}
	return load, rows.Err()
}

// Unassigned returns up to limit active tickets of a department that
// nobody is assigned to, HotRush first, then the oldest.
func (t *Tx) Unassigned(ctx context.Context, department string, limit int) ([]int64, error) {
	rows, err := t.query(ctx, `SELECT id FROM tickets WHERE department = ? AND assignee = '' AND `+activeStatus+`
		ORDER BY hotrush DESC, id LIMIT ?`, department, limit)
	if err != nil {
		return nil, fmt.Errorf("unassigned tickets of %s: %w", department, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// AssignTurn returns the agent a department assigned last, "" for none.
func (t *Tx) AssignTurn(ctx context.Context, department string) (string, error) {
	var agent string
	err := t.queryRow(ctx, `SELECT agent FROM assign_turns WHERE department = ?`, department).Scan(&agent)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("assignment turn of %s: %w", department, err)
	}
	return agent, nil
}

// SetAssignTurn records the agent a department assigned last.
func (t *Tx) SetAssignTurn(ctx context.Context, department, agent string) error {
	_, err := t.exec(ctx, `INSERT INTO assign_turns (department, agent) VALUES (?, ?)
		ON CONFLICT (department) DO UPDATE SET agent = excluded.agent`, department, agent)
	if err != nil {
		return fmt.Errorf("record the assignment turn of %s: %w", department, err)
	}
	return nil
}
