package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
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
// connection string) and applies every pending migration. It refuses a
// database with migrations this binary does not know.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	s, sch, err := InspectPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if len(sch.Unknown) > 0 {
		s.Close()
		return nil, sch.Err(DescribeDSN(dsn))
	}
	if err := s.migratePostgres(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrate %s: %w", DescribeDSN(dsn), err)
	}
	s.startSearchIndexer()
	return s, nil
}

// OpenPostgresCurrent is OpenCurrent for PostgreSQL: it refuses a schema
// that is not this binary's, and writes nothing.
func OpenPostgresCurrent(ctx context.Context, dsn string) (*DB, error) {
	s, sch, err := InspectPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := sch.Err(DescribeDSN(dsn)); err != nil {
		s.Close()
		return nil, err
	}
	s.startSearchIndexer()
	return s, nil
}

// MigratePostgres creates or upgrades the schema of the PostgreSQL
// database at dsn (helpdesk migrate). PostgreSQL changes a schema in a
// transaction: a migration that fails leaves nothing behind, so no copy
// is made first.
func MigratePostgres(ctx context.Context, dsn string) (*Upgrade, error) {
	s, sch, err := InspectPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	up := &Upgrade{Path: DescribeDSN(dsn), Created: sch.Version == 0 && len(sch.Unknown) == 0, From: sch.Version}
	if len(sch.Unknown) > 0 {
		return nil, sch.Err(up.Path)
	}
	if err := s.migratePostgres(ctx); err != nil {
		return nil, fmt.Errorf("migrate %s: %w", up.Path, err)
	}
	up.To = sch.Latest
	return up, nil
}

// InspectPostgres connects to the PostgreSQL database at dsn as it is and
// reads its schema, applying nothing.
func InspectPostgres(ctx context.Context, dsn string) (*DB, Schema, error) {
	db, err := sql.Open(pgDriverName, dsn)
	if err != nil {
		return nil, Schema{}, fmt.Errorf("open %s: %w", DescribeDSN(dsn), err)
	}
	db.SetMaxIdleConns(8)
	s := &DB{db: db, pg: true, instance: newInstance(), Now: time.Now, writeTurn: make(chan struct{}, 1), closed: make(chan struct{}),
		walGrew: make(chan struct{}, 1), checkpointDone: make(chan struct{}), searchWaits: make(chan struct{}, 1)}
	close(s.checkpointDone) // no checkpoints: the server keeps its own log
	s.writeTurn <- struct{}{}
	sch, err := s.pgSchema(ctx)
	if err != nil {
		s.Close()
		return nil, Schema{}, fmt.Errorf("connect to %s: %w", DescribeDSN(dsn), err)
	}
	return s, sch, nil
}

// pgSchema reads which PostgreSQL migrations the database has.
func (s *DB) pgSchema(ctx context.Context) (Schema, error) {
	known, err := migrationNumbers(pgMigrations, "migrations_postgres")
	if err != nil {
		return Schema{}, err
	}
	sch := Schema{Latest: known[len(known)-1]}
	applied := map[int]bool{}
	var exists bool
	if err := s.db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return sch, fmt.Errorf("read schema version: %w", err)
	}
	if exists {
		if err := readApplied(ctx, s.db, applied); err != nil {
			return sch, err
		}
	}
	return measureSchema(sch, known, applied), nil
}

// DescribeDSN names the PostgreSQL database of dsn for logs and messages,
// without its password.
func DescribeDSN(dsn string) string {
	c, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "postgres (unreadable DSN)"
	}
	return fmt.Sprintf("postgres://%s@%s/%s", c.User, net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))), c.Database)
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
			n, err := migrationNumber(name)
			if err != nil {
				return err
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
				return fmt.Errorf("apply %s: %w", path.Base(name), err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// beginPostgres starts a write transaction and waits for the write lock,
// up to busyTimeout or ctx's deadline. Unlike SQLite's, the transaction
// takes any connection of the pool: a connection the server or the
// network closed is replaced, where a pinned one would fail every write
// from then on.
func (s *DB) beginPostgres(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	wait := busyTimeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
		wait = max(time.Until(d), time.Millisecond)
	}
	// One round trip: the wait's bound for this transaction, then the lock.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('lock_timeout', ?, true), pg_advisory_xact_lock(?)`,
		fmt.Sprintf("%dms", wait.Milliseconds()), int64(writeLockKey)); err != nil {
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
	return pgconn.Timeout(err) || errors.As(err, &ne) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn)
}
