// Package store keeps the helpdesk in one SQLite file (mattn/go-sqlite3)
// or in a PostgreSQL database (pgx; postgres.go): it implements
// core.Store, the outbox queue that package outbound drains, and the read
// queries of the CLI and the status endpoint. All SQL lives here, written
// once in SQLite's dialect and translated for PostgreSQL (pgdriver.go).
// The schema is a series of numbered migrations embedded in the binary,
// one series a database (migrations/, migrations_postgres/); applied
// migrations never change, and a SQLite migration needs its PostgreSQL
// twin (TestPostgres_SchemaMatchesSQLite).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"

	"helpdesk/core"
)

//go:embed migrations/*.sql
var migrations embed.FS

// driverName is go-sqlite3 with the settings its DSN cannot carry.
const driverName = "sqlite3_helpdesk"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		// Every mail of a group commit runs in a savepoint, and SQLite
		// keeps a savepoint's undo pages in a temporary file by default:
		// a write and a read system call per page.
		if _, err := c.Exec("PRAGMA temp_store = MEMORY", nil); err != nil {
			return err
		}
		if err := c.RegisterFunc("helpdesk_bm25", bm25, true); err != nil {
			return err
		}
		return c.RegisterFunc("helpdesk_tf", termFrequency, true)
	}})
}

// DB is the helpdesk database.
type DB struct {
	db *sql.DB
	// pg is set when the database is PostgreSQL (postgres.go); path is
	// the SQLite file's.
	pg       bool
	path     string
	instance string // instances.go

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	// ran counts the statements that transactions ran (Statements).
	ran atomic.Int64

	// writer is the connection every write transaction runs on, and
	// writeTurn the right to use it: this process's transactions (each
	// takes SQLite's write lock at BEGIN) queue for it. Without the queue,
	// a transaction that finds the lock taken sleeps in SQLite's busy
	// handler for 1, 2, 5, 10… ms however soon the lock is free, and
	// under load the gateway's writers spend more time asleep than
	// writing. Unlike a mutex, the queue gives up when the caller's
	// context is done; begin does the same for another process's lock.
	// (PostgreSQL has no writer: its transactions take a pooled
	// connection and queue for the advisory lock.)
	writer    *sql.Conn
	writeTurn chan struct{}
	closed    chan struct{}
	closeOnce sync.Once

	// walGrew wakes the checkpointer (checkpoint.go), which closes
	// checkpointDone when it stops; checkpoints counts its runs and
	// checkpointErrs its failures.
	walGrew        chan struct{}
	checkpointDone chan struct{}
	checkpoints    atomic.Int64
	checkpointErrs atomic.Int64

	// searchWaits wakes the search indexer (searchindex.go), started by
	// Open and OpenCurrent, which closes searchDone when it stops;
	// searchErrs counts its failures.
	searchWaits chan struct{}
	searchDone  chan struct{}
	searchErrs  atomic.Int64

	// Now is the clock for bookkeeping timestamps; core passes its own
	// clock into the rows it writes.
	Now func() time.Time
}

// openFile opens the database at path, creating a missing file 0600,
// with the gateway's settings, and applies no migration.
func openFile(ctx context.Context, path string) (*DB, error) {
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// Keys need the leading underscore or go-sqlite3 silently ignores
	// them; _txlock=immediate makes every transaction take the write lock
	// at BEGIN, so a read-then-write transaction never fails with
	// SQLITE_BUSY_SNAPSHOT under concurrency.
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	// FULL: a commit returns once the WAL is synced, so what a 250 (or an
	// IMAP \Seen) acknowledged survives a power cut, not only a crash of
	// the process. NORMAL synced only at checkpoints: a power cut could
	// take back the last commits. One fsync per commit; a group commit
	// shares it.
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// Statements run through database/sql without a prepared *sql.Stmt
	// (savepoints, one-off queries) are kept prepared per connection.
	q.Set("_stmt_cache_size", "64")
	// The path is part of a URI: '?' or '#' in it would cut off the
	// pragmas without a word.
	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	db, err := sql.Open(driverName, uri+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &DB{db: db, path: path, Now: time.Now, writeTurn: make(chan struct{}, 1), closed: make(chan struct{}),
		walGrew: make(chan struct{}, 1), checkpointDone: make(chan struct{}), searchWaits: make(chan struct{}, 1)}
	s.writeTurn <- struct{}{}
	if s.writer, err = db.Conn(ctx); err == nil {
		// begin waits for another process's lock itself, up to the
		// caller's deadline; SQLite's busy handler cannot be cut short.
		_, err = s.writer.ExecContext(ctx, "PRAGMA busy_timeout = 0")
	}
	if err == nil {
		_, err = s.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerAutocheckpoint))
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	go s.checkpointLoop()
	return s, nil
}

// createPrivate creates the database file at path, empty and 0600,
// unless it exists. SQLite would create it 0644, readable by every user
// of the machine, and gives the -wal, -shm and -journal files it makes
// later the mode of the database file: created here, they are all 0600.
// An empty file is an empty database to SQLite.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}

// Path returns the SQLite database's file, "" for PostgreSQL.
func (s *DB) Path() string { return s.path }

// Close closes the database. A transaction still running fails.
func (s *DB) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	<-s.checkpointDone
	if s.searchDone != nil {
		<-s.searchDone
	}
	if s.writer != nil {
		s.writer.Close()
	}
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	return s.db.Close()
}

// prepared returns the statement for query, preparing it the first time.
func (s *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

// Statements returns the number of SQL statements run in transactions
// so far, BEGIN and COMMIT included: a benchmark's measure of what a
// change costs the one writer.
func (s *DB) Statements() int64 { return s.ran.Load() }

// Ping checks that the database answers.
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Version returns the number of the last applied migration.
func (s *DB) Version(ctx context.Context) (int, error) {
	var v int
	if s.pg {
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
		return v, err
	}
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate applies every embedded migration not applied yet, in order of
// number, up to upTo (0: all of them). Applied numbers are recorded one by
// one (not only the highest), so a migration that lands after a
// higher-numbered one is still applied.
func (s *DB) migrate(ctx context.Context, upTo int) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		base := path.Base(name)
		n, err := migrationNumber(name)
		if err != nil {
			return err
		}
		if applied[n] || upTo > 0 && n > upTo {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, n); err != nil {
				return err
			}
			// PRAGMA takes no parameters; n is an integer we parsed.
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", max(n, highest(applied))))
			return err
		}); err != nil {
			return fmt.Errorf("apply %s: %w", base, err)
		}
		applied[n] = true
	}
	return nil
}

// appliedMigrations reads the applied migration numbers. A database from
// before they were recorded one by one had applied 1..user_version.
func (s *DB) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	applied := map[int]bool{}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			var v int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
				return err
			}
			for n := 1; n <= v; n++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, n); err != nil {
					return err
				}
			}
		}
		return readApplied(ctx, tx, applied)
	})
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	return applied, nil
}

func highest(applied map[int]bool) int {
	h := 0
	for n := range applied {
		h = max(h, n)
	}
	return h
}

// tx runs fn in a write transaction and commits it unless fn fails or
// ctx is done by then.
func (s *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	select {
	case <-s.writeTurn:
	case <-s.closed:
		return sql.ErrConnDone
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for another transaction: %w", errTemporary, ctx.Err())
	}
	defer func() { s.writeTurn <- struct{}{} }()
	s.ran.Add(2) // BEGIN, COMMIT
	tx, err := s.begin(ctx)
	if err != nil {
		return classify(fmt.Errorf("begin: %w", err))
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return classify(err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("commit: %w", err))
	}
	s.committed()
	return nil
}

// busyTimeout bounds the wait for another process's write lock when the
// caller's context allows longer.
const busyTimeout = 10 * time.Second

// begin starts a write transaction on the writer, waiting for another
// process's write lock (the CLI, a backup) until busyTimeout or ctx's
// deadline, whichever comes first: a locked database must not keep an
// SMTP client waiting past the time it was promised an answer in.
func (s *DB) begin(ctx context.Context) (*sql.Tx, error) {
	if s.pg {
		return s.beginPostgres(ctx)
	}
	deadline := time.Now().Add(busyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for i := 0; ; i++ {
		tx, err := s.writer.BeginTx(uninterrupted(ctx), nil)
		if err == nil || !isBusy(err) {
			return tx, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, err
		}
		// SQLite's busy handler backs off alike: short sleeps first, as
		// the lock is mostly held for a moment.
		t := time.NewTimer(min(time.Millisecond<<min(i, 7), 100*time.Millisecond, wait))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, err
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrBusy
}

// uninterrupted returns ctx without its cancellation, for running a
// statement. Given a context that can be cancelled, go-sqlite3 runs each
// statement on a goroutine of its own so that it can interrupt it; under
// load that goroutine waits its turn behind every runnable goroutine,
// and the one writer, which everything else waits for, spent most of its
// time waiting so. Statements are short; a transaction whose context is
// done is rolled back before its commit instead.
func uninterrupted(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// Tx implements core.Store.
func (s *DB) Tx(ctx context.Context, fn func(core.Tx) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return fn(&Tx{tx: tx, db: s, stmts: map[string]*sql.Stmt{}}) })
}

// errTemporary is core's temporary category for the store's failures.
var errTemporary = core.Errorf(core.ETEMPORARY, "storage temporarily unavailable")

// classify turns the driver's transient failures into core's temporary
// category, so an SMTP client gets 451 and retries instead of a bounce.
func classify(err error) error {
	if err == nil || core.ErrorCode(err) != core.EINTERNAL {
		return err
	}
	if isPgTemporary(err) {
		return fmt.Errorf("%w: %w", errTemporary, err)
	}
	var se sqlite3.Error // go-sqlite3 returns the error by value
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrFull, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrReadonly:
			return fmt.Errorf("%w: %w", errTemporary, err)
		}
	}
	return err
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	if isPgUnique(err) {
		return true
	}
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// Times are stored as fixed-width UTC text so that they sort as strings.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// Writable checks that the database takes writes: it commits a write
// that changes a page (the time in write_probe), so the WAL is appended
// and synced as for a mail. A full disk, a read-only file or another
// process's write lock held past ctx's deadline fail it, as they would
// fail the next mail. (SQLite skips writing a row that does not change,
// so an empty or same-value update would prove nothing.)
func (s *DB) Writable(ctx context.Context) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO write_probe (id, at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET at = excluded.at, n = write_probe.n + 1`, fmtTime(s.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("write failed: %w", err)
	}
	return nil
}
