package pgtest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestDSN_SeparateDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := DSN(t), DSN(t)
	if a == b {
		t.Fatalf("two calls returned the same DSN %s", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	if !Available() {
		t.Error("Available() = false, but DSN started a server")
	}

	var ver string
	if err := ca.QueryRow(ctx, "SHOW server_version").Scan(&ver); err != nil {
		t.Fatal(err)
	}
	if ver == "" || ver[0] < '0' || ver[0] > '9' {
		t.Fatalf("server_version = %q, want a version number", ver)
	}
	t.Logf("server_version %s", ver)

	if _, err := ca.Exec(ctx, "CREATE TABLE only_in_a (id int); INSERT INTO only_in_a VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ca.QueryRow(ctx, "SELECT count(*) FROM only_in_a").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count in a: %d, %v", n, err)
	}
	_, err := cb.Exec(ctx, "SELECT * FROM only_in_a")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" { // undefined_table
		t.Fatalf("table of a queried in b: %v, want undefined_table", err)
	}

	var dbA, dbB string
	if err := ca.QueryRow(ctx, "SELECT current_database()").Scan(&dbA); err != nil {
		t.Fatal(err)
	}
	if err := cb.QueryRow(ctx, "SELECT current_database()").Scan(&dbB); err != nil {
		t.Fatal(err)
	}
	if dbA == dbB {
		t.Fatalf("both connections are in database %s", dbA)
	}
}

// The databases of parallel tests are made concurrently, and each is
// dropped when its test ends, even with a connection still open.
func TestDSN_ParallelAndDropped(t *testing.T) {
	ctx := context.Background()
	outer := connect(t, DSN(t))
	names := make([]string, 4)
	t.Run("group", func(t *testing.T) {
		for i := range names {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				dsn := DSN(t)
				cfg, err := pgx.ParseConfig(dsn)
				if err != nil {
					t.Fatal(err)
				}
				names[i] = cfg.Database
				conn, err := pgx.Connect(ctx, dsn) // deliberately left open
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(ctx, "CREATE TABLE t (id int)"); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
	for _, name := range names {
		var exists bool
		if err := outer.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if name == "" || exists {
			t.Errorf("database %q still exists after its test", name)
		}
	}
}
