package store

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/pgtest"
)

// testDriver is the database of this run of the package's tests: they
// run on SQLite, then again on PostgreSQL (pgtest.MainEach).
var testDriver string

func TestMain(m *testing.M) { pgtest.MainEach(m, func(d string) { testDriver = d }) }

// sqliteOnly skips a test about SQLite itself (its file, its backup)
// on the PostgreSQL run.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if testDriver != "sqlite" {
		t.Skipf("about SQLite itself; this run is on %s", testDriver)
	}
}

// MustOpen opens a fresh, empty database of this run's driver: a file in
// a temporary directory, or a database on the test's PostgreSQL server.
func MustOpen(t *testing.T) *DB {
	t.Helper()
	var db *DB
	var err error
	if testDriver == "postgres" {
		db, err = OpenPostgres(context.Background(), pgtest.DSN(t))
	} else {
		db, err = Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// mustTicket creates an account, a profile and a ticket.
func mustTicket(t testing.TB, db *DB, email string) *core.Ticket {
	t.Helper()
	var tk core.Ticket
	err := db.Tx(context.Background(), func(tx core.Tx) error {
		ctx := context.Background()
		a := &core.Account{Kind: core.AccountPresales, CreatedAt: t0}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		p := &core.Profile{AccountID: a.ID, Email: email, Role: core.RolePrimary, CreatedAt: t0}
		if err := tx.CreateProfile(ctx, p); err != nil {
			return err
		}
		tk = core.Ticket{AccountID: a.ID, ProfileID: p.ID, Department: "support", Type: core.TypeSupport,
			Status: core.StatusSubmitted, Priority: "normal", Subject: "s", CreatedAt: t0, UpdatedAt: t0}
		return tx.CreateTicket(ctx, &tk)
	})
	if err != nil {
		t.Fatal(err)
	}
	return &tk
}

func TestOpen_PragmasAndMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// Every connection of the pool has the settings, also one the pool
	// opens while another is in use: synchronous is 2 (FULL), so a
	// commit is on the disk before a 250 is sent; temp_store is 2
	// (MEMORY).
	first, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := db.db.Conn(ctx) // first is held: a new connection
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	for i, conn := range []*sql.Conn{first, second} {
		for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "2",
			"busy_timeout": "10000", "temp_store": "2"} {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("connection %d: PRAGMA %s = %s, want %s", i+1, pragma, got, want)
			}
		}
	}
	first.Close()
	second.Close()
	v1, _ := db.Version(ctx)
	if v1 < 1 {
		t.Fatalf("schema version %d after Open", v1)
	}
	db.Close()
	// Opening again applies nothing twice.
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if v2, _ := db.Version(ctx); v2 != v1 {
		t.Fatalf("version %d after reopen, want %d", v2, v1)
	}
}

func TestTx_AddMessage_DuplicateStoredOnce(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	add := func(hash string) error {
		return db.Tx(ctx, func(tx core.Tx) error {
			return tx.AddMessage(ctx, &core.Message{Ticket: tk.Number, Direction: core.DirInbound,
				From: "ann@shop.example", MessageID: "a@b", BodyHash: hash, Raw: []byte("x"), CreatedAt: t0})
		})
	}
	if err := add("h1"); err != nil {
		t.Fatal(err)
	}
	if err := add("h1"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("second insert: code %q (%v), want %q", core.ErrorCode(err), err, core.ECONFLICT)
	}
	// Same Message-ID, different body: a different mail, stored too.
	if err := add("h2"); err != nil {
		t.Fatalf("same id, other body: %v", err)
	}
	msgs, err := db.Messages(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages stored, want 2", len(msgs))
	}
	n, err := func() (int64, error) {
		var n int64
		err := db.Tx(ctx, func(tx core.Tx) (err error) { n, err = tx.TicketByMessageID(ctx, "a@b"); return })
		return n, err
	}()
	if err != nil || n != tk.Number {
		t.Fatalf("TicketByMessageID = %d, %v; want %d", n, err, tk.Number)
	}
}

func TestTx_RollbackLeavesNothing(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	err := db.Tx(ctx, func(tx core.Tx) error {
		if err := tx.CreateAccount(ctx, &core.Account{Kind: core.AccountPresales, CreatedAt: t0}); err != nil {
			return err
		}
		// A profile of an account that does not exist violates the
		// foreign key and must roll the account back too.
		return tx.CreateProfile(ctx, &core.Profile{AccountID: 999, Email: "x@y", Role: core.RolePrimary, CreatedAt: t0})
	})
	if err == nil {
		t.Fatal("foreign key violation not reported")
	}
	var n int
	db.db.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d accounts after rollback, want 0", n)
	}
}

func TestOutbox_DueRetryDone(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	var ids []int64
	err := db.Tx(ctx, func(tx core.Tx) error {
		for i := 0; i < 3; i++ {
			it := &core.OutboxItem{Kind: core.OutboxEmail, Ticket: tk.Number, Payload: []byte("{}"), NextAttempt: t0, CreatedAt: t0}
			if err := tx.Enqueue(ctx, it); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if due, _ := db.Due(ctx, t0.Add(-time.Second), 10); len(due) != 0 {
		t.Fatalf("%d rows due before their time", len(due))
	}
	due, err := db.Due(ctx, t0, 10)
	if err != nil || len(due) != 3 || due[0].ID != ids[0] || due[2].ID != ids[2] {
		t.Fatalf("Due = %+v, %v; want 3 rows in id order", due, err)
	}
	if err := db.Done(ctx, ids[0], t0, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := db.Retry(ctx, ids[1], t0, t0.Add(time.Minute), time.Second, "451 try later"); err != nil {
		t.Fatal(err)
	}
	if err := db.Dead(ctx, ids[2], t0, time.Second, "550 no such user"); err != nil {
		t.Fatal(err)
	}
	due, _ = db.Due(ctx, t0.Add(30*time.Second), 10)
	if len(due) != 0 {
		t.Fatalf("%d rows due during back-off, want 0", len(due))
	}
	due, _ = db.Due(ctx, t0.Add(time.Minute), 10)
	if len(due) != 1 || due[0].ID != ids[1] || due[0].Attempts != 1 || due[0].LastError != "451 try later" {
		t.Fatalf("Due after back-off = %+v, want row %d with 1 attempt", due, ids[1])
	}
	c, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.OutboxPending != 1 || c.OutboxDead != 1 || c.TicketsByStatus["submitted"] != 1 {
		t.Fatalf("Counts = %+v", c)
	}
}

func TestOutbox_DueKeepsTicketOrder(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	ids := map[string]int64{}
	err := db.Tx(ctx, func(tx core.Tx) error {
		for _, k := range []string{"email1", "slack1", "email2", "slack2"} {
			kind := core.OutboxEmail
			if k[0] == 's' {
				kind = core.OutboxSlackReply
			}
			it := &core.OutboxItem{Kind: kind, Ticket: tk.Number, Payload: []byte("{}"), NextAttempt: t0, CreatedAt: t0}
			if err := tx.Enqueue(ctx, it); err != nil {
				return err
			}
			ids[k] = it.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first mail backs off: the second mail waits behind it, Slack
	// goes on.
	if err := db.Retry(ctx, ids["email1"], t0, t0.Add(time.Minute), 0, "451"); err != nil {
		t.Fatal(err)
	}
	due, err := db.Due(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, it := range due {
		got = append(got, it.ID)
	}
	if len(got) != 2 || got[0] != ids["slack1"] || got[1] != ids["slack2"] {
		t.Fatalf("due %v, want only the Slack rows %d, %d", got, ids["slack1"], ids["slack2"])
	}
	due, _ = db.Due(ctx, t0.Add(time.Minute), 10)
	if len(due) != 4 {
		t.Fatalf("%d rows due after the back-off, want 4", len(due))
	}
}

func TestIMAPCursorAndQuarantine(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	v, last, err := db.IMAPCursor(ctx, "support")
	if err != nil || v != 0 || last != 0 {
		t.Fatalf("fresh cursor %d/%d, %v; want zeros", v, last, err)
	}
	for _, c := range [][2]uint32{{7, 10}, {7, 12}, {9, 0}} {
		if err := db.SetIMAPCursor(ctx, "support", c[0], c[1]); err != nil {
			t.Fatal(err)
		}
		if v, last, _ := db.IMAPCursor(ctx, "support"); v != c[0] || last != c[1] {
			t.Fatalf("cursor %d/%d, want %d/%d", v, last, c[0], c[1])
		}
	}
	q := &core.Quarantined{Channel: "imap:support", Ref: "INBOX UID 3", Reason: "message has no header section", Size: 5, Raw: []byte("junk\n")}
	if err := db.Quarantine(ctx, q); err != nil || q.ID == 0 {
		t.Fatalf("Quarantine: id %d, %v", q.ID, err)
	}
	list, err := db.QuarantineList(ctx)
	if err != nil || len(list) != 1 || list[0].Reason != q.Reason || list[0].Ref != q.Ref {
		t.Fatalf("QuarantineList %+v, %v", list, err)
	}
	if c, _ := db.Counts(ctx); c.Quarantined != 1 {
		t.Fatalf("Counts.Quarantined %d, want 1", c.Quarantined)
	}
}

// TestMigrate_FromFirstSchema upgrades a database made by the first
// release's schema (frozen in testdata) and checks nothing is lost.
func TestMigrate_FromFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	schema, err := os.ReadFile("testdata/schema1.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{string(schema), "PRAGMA user_version = 1",
		`INSERT INTO accounts (kind, created_at) VALUES ('customer', '2026-01-01T00:00:00.000000Z')`} {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	// Numbers may have gaps (branches take numbers in parallel): the
	// version is the highest.
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	last, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(names[len(names)-1], "migrations/"), "_", 2)[0])
	if v, _ := db.Version(ctx); v != last {
		t.Fatalf("version %d after upgrade, want %d", v, last)
	}
	var n int
	db.db.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d accounts after upgrade, want 1", n)
	}
}

func TestOpen_PathWithURICharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a#b?c%d.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	db.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode %q: the pragmas were lost", mode)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %s: %v", path, err)
	}
}

func TestOutbox_WakeLane(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	ctx := context.Background()
	ids := map[string]int64{}
	err := db.Tx(ctx, func(tx core.Tx) error {
		for _, kind := range []string{core.OutboxEmail, core.OutboxSlackReply} {
			it := &core.OutboxItem{Kind: kind, Ticket: tk.Number, Payload: []byte("{}"), CreatedAt: t0}
			if err := tx.Enqueue(ctx, it); err != nil {
				return err
			}
			ids[kind] = it.ID
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := db.Retry(ctx, id, t0, t0.Add(time.Hour), time.Millisecond, "451"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Wake(ctx, core.LaneMail); err != nil {
		t.Fatal(err)
	}
	due, err := db.Due(ctx, t0, 10)
	if err != nil || len(due) != 1 || due[0].ID != ids[core.OutboxEmail] {
		t.Fatalf("due after waking the mail lane: %+v, %v; want only the mail row", due, err)
	}
}

// Rows written before the outbox had a lane column are given their
// kind's lane, so the worker keeps them in order after the upgrade.
func TestMigrate_OutboxRowsGetTheirLane(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, name := range names[:10] { // up to 0010, before lanes
		body, _ := migrations.ReadFile(name)
		if _, err := old.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	for _, stmt := range []string{"PRAGMA user_version = 10",
		`INSERT INTO outbox (kind, payload, next_attempt, created_at) VALUES ('email', '{}', '', '2026-01-01T00:00:00.000000Z')`,
		`INSERT INTO outbox (kind, payload, next_attempt, created_at) VALUES ('slack_reply', '{}', '', '2026-01-01T00:00:00.000000Z')`,
	} {
		if _, err := old.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	due, err := db.Due(ctx, t0, 10)
	if err != nil || len(due) != 2 || due[0].Lane != core.LaneMail || due[1].Lane != core.LaneSlack {
		t.Fatalf("due after upgrade: %+v, %v; want a mail row, then a Slack row", due, err)
	}
}

// holdWriteLock takes the database's write lock from another connection,
// as the CLI or a backup in another process would, until the test ends
// or release is called.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	other, err := sql.Open("sqlite3", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { tx.Rollback(); other.Close() }) }
	t.Cleanup(release)
	return release
}

// SQLite's busy timeout is 10 s; a caller with a shorter deadline (an SMTP
// client waiting for its answer) gets a temporary error by its deadline.
func TestTx_LockedDatabaseHonoursDeadline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holdWriteLock(t, path)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = db.Tx(ctx, func(core.Tx) error { return nil })
	took := time.Since(start)
	if core.ErrorCode(err) != core.ETEMPORARY {
		t.Fatalf("Tx on a locked database: %v (code %s), want ETEMPORARY", err, core.ErrorCode(err))
	}
	if took < 150*time.Millisecond || took > time.Second {
		t.Fatalf("Tx on a locked database returned after %v, want about the 200ms deadline", took)
	}
}

// A caller queued behind a transaction of this process gives up by its
// deadline too.
func TestTx_QueuedWriterHonoursDeadline(t *testing.T) {
	db := MustOpen(t)
	held, release := make(chan struct{}), make(chan struct{})
	go db.Tx(context.Background(), func(core.Tx) error {
		close(held)
		<-release
		return nil
	})
	<-held
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := db.Tx(ctx, func(core.Tx) error { return nil })
	if took := time.Since(start); core.ErrorCode(err) != core.ETEMPORARY || took > time.Second {
		t.Fatalf("queued Tx: %v (code %s) after %v, want ETEMPORARY by the 200ms deadline", err, core.ErrorCode(err), took)
	}
}

// A lock that is released while a writer waits lets it through.
func TestTx_WaitsForAShortLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	release := holdWriteLock(t, path)
	time.AfterFunc(100*time.Millisecond, release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.Tx(ctx, func(core.Tx) error { return nil }); err != nil {
		t.Fatalf("Tx after the lock was released: %v", err)
	}
}
