package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Only `helpdesk migrate` and `serve` change a database's schema: every
// other command opens it with OpenCurrent, which refuses a schema older
// or newer than the binary's, and a missing file, without writing a byte.

// NoDatabaseError is OpenCurrent's and Inspect's answer when no database
// file exists at the path: the commands that read do not create one.
type NoDatabaseError struct{ Path string }

func (e *NoDatabaseError) Error() string {
	return fmt.Sprintf("no database at %s: run helpdesk migrate or serve", e.Path)
}

// SchemaError is a database whose schema is not this binary's: older
// (migrate upgrades it) or newer (only a newer binary may use it).
type SchemaError struct {
	Path  string
	Have  int  // the database's schema version
	Want  int  // this binary's
	Newer bool // the database has migrations this binary does not know
}

func (e *SchemaError) Error() string {
	if e.Newer {
		return fmt.Sprintf("%s: database schema is version %d, newer than this binary knows (%d): use a newer helpdesk", e.Path, e.Have, e.Want)
	}
	return fmt.Sprintf("%s: database schema is version %d, this binary needs %d: run helpdesk migrate", e.Path, e.Have, e.Want)
}

// Schema is a database's migrations measured against this binary's.
type Schema struct {
	// Version is the schema version: the highest n with migrations
	// 1…n all applied (with Unknown ones, the highest applied).
	Version int
	Latest  int   // the highest migration this binary has
	Pending []int // this binary's migrations not applied yet
	Unknown []int // applied migrations this binary does not have
}

// Current reports whether the schema is exactly this binary's.
func (s Schema) Current() bool { return len(s.Pending) == 0 && len(s.Unknown) == 0 }

// Err is nil for the current schema, else a *SchemaError.
func (s Schema) Err(path string) error {
	switch {
	case len(s.Unknown) > 0:
		return &SchemaError{Path: path, Have: s.Version, Want: s.Latest, Newer: true}
	case len(s.Pending) > 0:
		return &SchemaError{Path: path, Have: s.Version, Want: s.Latest}
	}
	return nil
}

// knownMigrations returns the numbers of the embedded SQLite migrations,
// sorted.
func knownMigrations() ([]int, error) { return migrationNumbers(migrations, "migrations") }

// migrationNumbers returns the numbers of the migrations in dir, sorted.
func migrationNumbers(fsys fs.FS, dir string) ([]int, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ns []int
	for _, name := range names {
		n, err := migrationNumber(name)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns, nil
}

// migrationNumber is the number a migration's file name starts with.
func migrationNumber(name string) (int, error) {
	base := path.Base(name)
	n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("migration %s: name must start with its number", base)
	}
	return n, nil
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readApplied adds the versions recorded in schema_migrations to applied.
func readApplied(ctx context.Context, db querier, applied map[int]bool) error {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return err
		}
		applied[n] = true
	}
	return rows.Err()
}

// Schema reads which migrations the database has, writing nothing.
func (s *DB) Schema(ctx context.Context) (Schema, error) {
	if s.pg {
		return s.pgSchema(ctx)
	}
	var sch Schema
	known, err := knownMigrations()
	if err != nil {
		return sch, err
	}
	if len(known) > 0 {
		sch.Latest = known[len(known)-1]
	}
	var uv, table int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&uv); err != nil {
		return sch, fmt.Errorf("read schema version: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&table); err != nil {
		return sch, fmt.Errorf("read schema version: %w", err)
	}
	applied := map[int]bool{}
	if table == 0 { // from before migrations were recorded one by one
		for n := 1; n <= uv; n++ {
			applied[n] = true
		}
	} else {
		if err := readApplied(ctx, s.db, applied); err != nil {
			return sch, err
		}
		if uv > 0 {
			applied[uv] = true
		}
	}
	return measureSchema(sch, known, applied), nil
}

// measureSchema fills in sch from the migrations this binary knows and
// those the database applied.
func measureSchema(sch Schema, known []int, applied map[int]bool) Schema {
	for _, n := range known {
		if !applied[n] {
			sch.Pending = append(sch.Pending, n)
		}
	}
	for n := range applied {
		if !slices.Contains(known, n) {
			sch.Unknown = append(sch.Unknown, n)
		}
	}
	slices.Sort(sch.Unknown)
	if len(sch.Unknown) > 0 {
		sch.Version = sch.Unknown[len(sch.Unknown)-1]
	} else {
		for applied[sch.Version+1] {
			sch.Version++
		}
	}
	return sch
}

// Open opens (creating if needed) the database at path and applies every
// pending migration. It refuses a database with migrations this binary
// does not know (a *SchemaError): a newer binary made it.
func Open(ctx context.Context, path string) (*DB, error) { return OpenVersion(ctx, path, 0) }

// OpenVersion is Open that applies the migrations only up to version (0:
// all), for tests and tools that need an older schema.
func OpenVersion(ctx context.Context, path string, version int) (*DB, error) {
	s, err := openFile(ctx, path)
	if err != nil {
		return nil, err
	}
	sch, err := s.Schema(ctx)
	if err == nil && len(sch.Unknown) > 0 {
		err = sch.Err(path)
	}
	if err == nil {
		if err = s.migrate(ctx, version); err != nil {
			err = fmt.Errorf("migrate %s: %w", path, err)
		}
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	if version == 0 {
		s.startSearchIndexer()
	}
	return s, nil
}

// Inspect opens the existing database at path as it is, whatever its
// schema, and reads the schema; it writes nothing and creates nothing (a
// *NoDatabaseError when there is no file). For backups and upgrades.
func Inspect(ctx context.Context, path string) (*DB, Schema, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, Schema{}, &NoDatabaseError{Path: path}
	} else if err != nil {
		return nil, Schema{}, fmt.Errorf("open %s: %w", path, err)
	}
	s, err := openFile(ctx, path)
	if err != nil {
		return nil, Schema{}, err
	}
	sch, err := s.Schema(ctx)
	if err != nil {
		s.Close()
		return nil, Schema{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, sch, nil
}

// OpenCurrent opens the existing database at path for a command that
// does not migrate: a *NoDatabaseError when there is none, a
// *SchemaError when its schema is not this binary's. It writes nothing
// before it returns.
func OpenCurrent(ctx context.Context, path string) (*DB, error) {
	s, sch, err := Inspect(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := sch.Err(path); err != nil {
		s.Close()
		return nil, err
	}
	s.startSearchIndexer()
	return s, nil
}
