package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"helpdesk/core"
)

// Several gateways may share one PostgreSQL database: each *DB is one
// instance (Instance), the singleton jobs run under a lease, and an
// outbox row is claimed by the instance that sends it. On SQLite one
// serve holds the file lock, so every lease is its own.

// newInstance names this process's hold on the database in leases and
// claims: host, pid and a random part, so a restarted process on the
// same host and pid is another instance.
func newInstance() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Instance returns the name this database handle holds leases under.
func (s *DB) Instance() string { return s.instance }

// Shared reports whether other gateways may use the database at once
// (PostgreSQL), so that singleton jobs need a lease.
func (s *DB) Shared() bool { return s.pg }

// HoldLease takes the lease name, or renews it, for ttl from the
// database server's clock, and reports whether this instance holds it:
// false while another instance holds it unexpired. On SQLite it always
// holds.
func (s *DB) HoldLease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if !s.pg {
		return true, nil
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (name, holder, until)
		VALUES (?, ?, clock_timestamp() + make_interval(secs => ?))
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until < clock_timestamp()`,
		name, s.instance, ttl.Seconds())
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LeaseHolder returns the instance that holds the lease name unexpired,
// or "".
func (s *DB) LeaseHolder(ctx context.Context, name string) (string, error) {
	if !s.pg {
		return s.instance, nil
	}
	var holder string
	err := s.db.QueryRowContext(ctx, `SELECT holder FROM leases WHERE name = ? AND until >= clock_timestamp()`, name).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return holder, err
}

// ReleaseLease gives up the lease name if this instance holds it, so
// another may take it at once.
func (s *DB) ReleaseLease(ctx context.Context, name string) error {
	if !s.pg {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, s.instance); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// OutboxClaim is how long a row handed out by Due stays this instance's
// on PostgreSQL, unless RenewClaims extends it: short enough that another
// gateway sends the rows of one that died soon after. A batch may take
// longer than this (a slow relay, a send's timeout of minutes), so the
// worker renews its batch's claims while it runs.
const OutboxClaim = 2 * time.Minute

// duePostgres is Due for several gateways: the rows it returns are
// claimed by this instance (FOR UPDATE SKIP LOCKED, then claimed_by and
// claimed_until), so another gateway's Due skips them until the claim
// ends; a row also waits while an earlier row of its ticket and lane is
// claimed by another instance, so a ticket's notifications stay in order
// across gateways.
func (s *DB) duePostgres(ctx context.Context, now time.Time, limit int) ([]core.OutboxItem, error) {
	rows, err := s.db.QueryContext(uninterrupted(ctx), `UPDATE outbox SET claimed_by = ?3,
			claimed_until = clock_timestamp() + make_interval(secs => ?4)
		WHERE id IN (SELECT id FROM outbox AS o
			WHERE state = 'pending' AND next_attempt <= ?1
			AND (claimed_until IS NULL OR claimed_until < clock_timestamp() OR claimed_by = ?3)
			AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.state = 'pending' AND e.ticket_id = o.ticket_id
				AND e.id < o.id AND e.lane = o.lane AND (e.next_attempt > ?1
					OR e.claimed_by != ?3 AND e.claimed_until >= clock_timestamp()))
			ORDER BY id LIMIT ?2 FOR UPDATE SKIP LOCKED)
		RETURNING id, kind, lane, COALESCE(ticket_id, 0), payload, attempts, next_attempt, created_at, last_error`,
		fmtTime(now), limit, s.instance, OutboxClaim.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claim due outbox: %w", err)
	}
	items, err := scanOutboxItems(rows)
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	return items, err
}

// RenewClaims extends by OutboxClaim this instance's claims on the rows
// ids that are still pending; a row claimed by another instance or no
// longer pending is left as it is. On SQLite, where one gateway sends
// every row, it does nothing.
func (s *DB) RenewClaims(ctx context.Context, ids []int64) error {
	if !s.pg {
		return nil
	}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{OutboxClaim.Seconds(), s.instance}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		// A row locked is being marked sent (DoneAll): it needs no
		// renewal, and waiting for it could deadlock with that mark.
		if _, err := s.db.ExecContext(ctx, `UPDATE outbox SET claimed_until = clock_timestamp() + make_interval(secs => ?)
			WHERE id IN (SELECT id FROM outbox WHERE claimed_by = ? AND state = 'pending'
				AND id IN (`+valueRows(n, "?")+`) FOR UPDATE SKIP LOCKED)`, args...); err != nil {
			return fmt.Errorf("renew outbox claims: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}
