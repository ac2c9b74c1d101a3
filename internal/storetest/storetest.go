// Package storetest gives tests the database they run on. A package
// whose TestMain calls Main runs all its tests once per store driver:
// on SQLite, then on PostgreSQL (a private server, package pgtest), so
// every rule tested through the store is tested on both without a copy
// of any test.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"helpdesk/internal/pgtest"
	"helpdesk/store"
)

// driver is the driver of the current run of the package's tests.
var driver = "sqlite"

// Main runs the package's tests on each driver in turn (pgtest.MainEach).
func Main(m *testing.M) { pgtest.MainEach(m, func(d string) { driver = d }) }

// Driver returns "sqlite" or "postgres": the database of this run.
func Driver() string { return driver }

// Open opens a fresh, empty database of the current driver, closed when
// the test ends.
func Open(t testing.TB) *store.DB {
	t.Helper()
	var db *store.DB
	var err error
	switch driver {
	case "postgres":
		db, err = store.OpenPostgres(context.Background(), pgtest.DSN(t))
	default:
		db, err = store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// SQLiteOnly skips a test that is about SQLite itself (its file, its
// locks) when the run is on another driver.
func SQLiteOnly(t testing.TB) {
	t.Helper()
	if driver != "sqlite" {
		t.Skipf("about SQLite itself; this run is on %s", driver)
	}
}
