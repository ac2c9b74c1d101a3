package core

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// AssignTx keeps what automatic assignment needs (docs/rules.md §7).
type AssignTx interface {
	// AgentsAway returns the agents who said /helpdesk away.
	AgentsAway(ctx context.Context) (map[string]bool, error)
	// SetAgentAway records an agent away or back; it reports whether
	// that changed anything.
	SetAgentAway(ctx context.Context, agent string, away bool, now time.Time) (bool, error)
	// OpenAssigned counts each agent's active tickets.
	OpenAssigned(ctx context.Context) (map[string]int, error)
	// Unassigned returns up to limit active tickets of a department
	// nobody is assigned to, HotRush first, then the oldest.
	Unassigned(ctx context.Context, department string, limit int) ([]int64, error)
	// AssignTurn and SetAssignTurn keep the agent a department assigned
	// last, where its round robin goes on from.
	AssignTurn(ctx context.Context, department string) (string, error)
	SetAssignTurn(ctx context.Context, department, agent string) error
}

// assignBatch bounds the tickets one pass assigns per department: the
// rest wait for the next pass (the sweep's).
const assignBatch = 200

// roundRobin picks the agents of a department in turn, passing by those
// away and those at the cap of open tickets.
type roundRobin struct {
	agents []string
	away   map[string]bool
	load   map[string]int
	cap    int // 0: no cap
	last   string
}

// next returns the agent after the last one who may take a ticket, ""
// when none may.
func (r *roundRobin) next() string {
	start := slices.Index(r.agents, r.last) + 1 // 0 when last is not (or no longer) one of them
	for i := range r.agents {
		a := r.agents[(start+i)%len(r.agents)]
		if !r.away[a] && (r.cap <= 0 || r.load[a] < r.cap) {
			return a
		}
	}
	return ""
}

func (r *roundRobin) took(agent string) { r.load[agent]++; r.last = agent }

// newRoundRobin reads the state of a department's round robin; nil when
// the department does not assign automatically.
func (s *Service) newRoundRobin(ctx context.Context, tx Tx, department string) (*roundRobin, error) {
	d, ok := s.table().depts[department]
	if !ok || !d.AutoAssign || len(d.Agents) == 0 {
		return nil, nil
	}
	r := &roundRobin{agents: d.Agents, cap: d.MaxOpenPerAgent}
	var err error
	if r.away, err = tx.AgentsAway(ctx); err != nil {
		return nil, err
	}
	if r.load, err = tx.OpenAssigned(ctx); err != nil {
		return nil, err
	}
	if r.last, err = tx.AssignTurn(ctx, department); err != nil {
		return nil, err
	}
	return r, nil
}

// autoAssignNew assigns a ticket just opened and written, when its
// department assigns automatically and an agent may take it.
func (s *Service) autoAssignNew(ctx context.Context, tx Tx, t *Ticket, now time.Time) error {
	r, err := s.newRoundRobin(ctx, tx, t.Department)
	if r == nil || err != nil {
		return err
	}
	agent := r.next()
	if agent == "" {
		return nil // it waits for an agent: AutoAssign
	}
	if err := s.giveTicket(ctx, tx, t, agent, now); err != nil {
		return err
	}
	return tx.UpdateTicket(ctx, t)
}

// AutoAssign assigns the waiting tickets of every department that
// assigns automatically, HotRush first, while an agent may take one; it
// returns how many it assigned. The sweep runs it, and /helpdesk back.
func (s *Service) AutoAssign(ctx context.Context) (int, error) {
	var n int
	for name, d := range s.table().depts {
		if !d.AutoAssign {
			continue
		}
		err := s.store.Tx(ctx, func(tx Tx) error {
			m, err := s.assignWaiting(ctx, tx, name, s.now().UTC())
			n += m
			return err
		})
		if err != nil {
			return n, fmt.Errorf("assign the tickets of %s: %w", name, err)
		}
	}
	return n, nil
}

func (s *Service) assignWaiting(ctx context.Context, tx Tx, department string, now time.Time) (int, error) {
	r, err := s.newRoundRobin(ctx, tx, department)
	if r == nil || err != nil {
		return 0, err
	}
	ids, err := tx.Unassigned(ctx, department, assignBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		agent := r.next()
		if agent == "" {
			break
		}
		t, err := tx.Ticket(ctx, id)
		if err != nil {
			return n, err
		}
		if err := s.giveTicket(ctx, tx, t, agent, now); err != nil {
			return n, err
		}
		if err := tx.UpdateTicket(ctx, t); err != nil {
			return n, err
		}
		r.took(agent)
		n++
	}
	return n, nil
}

// giveTicket assigns t to agent automatically: the status moves on as
// for an agent's own assignment, and the thread says who and why; the
// customer is not mailed, since nothing changed for them yet.
func (s *Service) giveTicket(ctx context.Context, tx Tx, t *Ticket, agent string, now time.Time) error {
	t.Assignee, t.UpdatedAt = agent, now
	if t.Status == StatusSubmitted {
		if err := s.moveStatus(t, StatusAssigned, Actor{Kind: ActorAgent, ID: agent}, now); err != nil {
			return err
		}
	}
	if err := tx.SetAssignTurn(ctx, t.Department, agent); err != nil {
		return err
	}
	return s.notifyChange(ctx, tx, t, "assigned to "+agent+" automatically (round robin)", now)
}

// SetAway records an agent away (/helpdesk away) or back (/helpdesk
// back): automatic assignment passes by an agent who is away. Coming
// back assigns the tickets that waited.
func (s *Service) SetAway(ctx context.Context, a Actor, away bool) (string, error) {
	if a.Kind != ActorAgent {
		return "", Errorf(EFORBIDDEN, "only agents can be away or back")
	}
	var changed bool
	err := s.store.Tx(ctx, func(tx Tx) (err error) {
		changed, err = tx.SetAgentAway(ctx, a.ID, away, s.now().UTC())
		return err
	})
	if err != nil {
		return "", err
	}
	if away {
		if !changed {
			return "You are away already: no ticket is assigned to you automatically.", nil
		}
		return "You are away: no ticket is assigned to you automatically until you say /helpdesk back.", nil
	}
	n, err := s.AutoAssign(ctx)
	if err != nil {
		return "", err
	}
	msg := "You are back: tickets are assigned to you automatically again."
	if !changed {
		msg = "You were not away: tickets are assigned to you automatically."
	}
	if n > 0 {
		msg += fmt.Sprintf(" %d waiting ticket(s) were assigned.", n)
	}
	return msg, nil
}
