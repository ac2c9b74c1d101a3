package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// A PostgreSQL store runs the same Go code and SQL as the SQLite one
// (pgdriver.go translates the dialect); what differs is here: how it is
// opened and migrated, and how writers take their turn.

//go:embed migrations_postgres/*.sql
var pgMigrations embed.FS

// writeLockKey is the advisory lock every write transaction holds until
// it ends. It makes PostgreSQL's writers take turns as SQLite's do, across
// every gateway on the database: each rule's read-then-write (a credit
// balance, a duplicate check, the next task number) then sees every
// commit before it, on one instance or several. Reads do not take it.
const writeLockKey = 0x68656c7064657363 // "helpdesc"

// OpenPostgres connects to the PostgreSQL database at dsn (a pgx
// connection string) and applies every pending migration.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open(pgDriverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxIdleConns(8)
	s := &DB{db: db, pg: true, Now: time.Now, writeTurn: make(chan struct{}, 1), closed: make(chan struct{}),
		walGrew: make(chan struct{}, 1), checkpointDone: make(chan struct{}), searchWaits: make(chan struct{}, 1)}
	close(s.checkpointDone) // no checkpoints: the server keeps its own log
	s.writeTurn <- struct{}{}
	if s.writer, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := s.migratePostgres(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	s.startSearchIndexer()
	return s, nil
}

// migratePostgres applies the PostgreSQL migrations not applied yet, each
// in a transaction that holds the write lock, so two gateways starting at
// once apply each migration once.
func (s *DB) migratePostgres(ctx context.Context) error {
	names, err := fs.Glob(pgMigrations, "migrations_postgres/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)`); err != nil {
			return err
		}
		for _, name := range names {
			base := strings.TrimPrefix(name, "migrations_postgres/")
			n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: name must start with its number", base)
			}
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, n).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				continue
			}
			body, err := pgMigrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", base, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// beginPostgres starts a write transaction on the writer and waits for
// the write lock, up to busyTimeout or ctx's deadline.
func (s *DB) beginPostgres(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	wait := busyTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
		wait = max(time.Until(d), time.Millisecond)
	}
	// SET takes no parameters; wait is a number of milliseconds.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET LOCAL lock_timeout = %d", wait.Milliseconds())); err == nil {
		_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writeLockKey))
	}
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// syncIdentities moves the id sequences of tables past their highest id,
// after rows were written with ids of their own (PostgreSQL only: SQLite
// takes the next id from the table).
func (s *DB) syncIdentities(ctx context.Context, tables ...string) error {
	if !s.pg {
		return nil
	}
	for _, t := range tables {
		// t is one of this package's table names, never input.
		if _, err := s.db.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'),
			(SELECT COALESCE(MAX(id), 0) + 1 FROM `+t+`), false)`); err != nil {
			return fmt.Errorf("sync the ids of %s: %w", t, err)
		}
	}
	return nil
}

// isPgUnique reports whether err is PostgreSQL's unique_violation.
func isPgUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isPgCheck reports whether err is PostgreSQL's check_violation.
func isPgCheck(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514"
}

// isPgTemporary reports whether err is a PostgreSQL failure that may
// pass: a lost or refused connection, a lock or statement timeout, a
// serialization failure or deadlock, a server out of resources or
// shutting down.
func isPgTemporary(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"), // insufficient resources
			strings.HasPrefix(pe.Code, "57"), // operator intervention (shutdown, cancel)
			pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03":
			return true
		}
		return false
	}
	var ne net.Error
	return pgconn.Timeout(err) || errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone)
}
