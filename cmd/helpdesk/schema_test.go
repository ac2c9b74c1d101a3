package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"helpdesk/store"
)

// latestSchema is this binary's schema version.
func latestSchema(t *testing.T) int {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "latest.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// previousSchema is the version before latest: the numbers may have
// gaps (migrations of parts built side by side).
func previousSchema(t *testing.T, latest int) int {
	t.Helper()
	db, err := store.OpenVersion(context.Background(), filepath.Join(t.TempDir(), "previous.db"), latest-1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dirHash hashes every file in dir by name and content.
func dirHash(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(e.Name() + "\x00"))
		h.Write(b)
	}
	return string(h.Sum(nil))
}

// nonMigrating are the commands that read or change rows but never the
// schema, with arguments that would otherwise succeed or fail late.
var nonMigrating = [][]string{
	{"ticket", "list"}, {"ticket", "show", "1"}, {"ticket", "find", "x@y"},
	{"ticket", "act", "1", "close", "--agent", "U1"}, {"queue"}, {"sweep"},
	{"account", "entitle", "ann@shop.example", "incident", "1"},
	{"credits", "show", "ann@shop.example"}, {"credits", "verify"},
	{"credits", "grant", "ann@shop.example", "--license", "cs-cart-first"},
	{"status", "--direct"}, {"channel", "list"}, {"channel", "disable", "smtp"},
	{"quarantine", "list"}, {"quarantine", "show", "1"}, {"quarantine", "retry", "1"}, {"quarantine", "drop", "1"},
	{"outbox", "list"}, {"outbox", "retry", "--all-dead"},
}

// TestSchema_OnlyMigrateAndServeUpgrade: on a database one migration
// behind, every other command refuses, naming both versions, and leaves
// the files byte for byte as they were; migrate upgrades after a backup.
func TestSchema_OnlyMigrateAndServeUpgrade(t *testing.T) {
	ctx := context.Background()
	latest := latestSchema(t)
	prev := previousSchema(t, latest)
	dir := t.TempDir()
	path := filepath.Join(dir, "helpdesk.db")
	db, err := store.OpenVersion(ctx, path, prev)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := dirHash(t, dir)
	for _, args := range nonMigrating {
		var out bytes.Buffer
		err := Run(ctx, append(args, "--db", path), &out, &out, nil)
		want := "database schema is version " + itoa(prev) + ", this binary needs " + itoa(latest) + ": run helpdesk migrate"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v on an older schema: %v, want %q", args, err, want)
		}
		if dirHash(t, dir) != before {
			t.Fatalf("%v changed the database's files", args)
		}
	}

	var out bytes.Buffer
	if err := Run(ctx, []string{"backup", filepath.Join(t.TempDir(), "copy.db"), "--db", path}, &out, &out, nil); err != nil {
		t.Fatalf("backup of an older schema: %v", err)
	}
	out.Reset()
	if err := Run(ctx, []string{"migrate", "--db", path}, &out, &out, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	backup := path + ".pre-" + itoa(prev)
	if !strings.Contains(out.String(), "upgraded from "+itoa(prev)) || !strings.Contains(out.String(), backup) {
		t.Fatalf("migrate said %q", out.String())
	}
	old, sch, err := store.Inspect(ctx, backup)
	if err != nil || sch.Version != prev {
		t.Fatalf("backup %s: schema %+v, %v; want the version before", backup, sch, err)
	}
	old.Close()
	out.Reset()
	if err := Run(ctx, []string{"ticket", "list", "--db", path}, &out, &out, nil); err != nil {
		t.Fatalf("ticket list after migrate: %v", err)
	}
}

// TestSchema_NewerRefused: no command, migrate and serve included, uses
// a database a newer binary has migrated.
func TestSchema_NewerRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "helpdesk.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version) VALUES (9999); PRAGMA user_version = 9999`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := dirHash(t, dir)
	cfg := writeServeConfig(t, dir)
	for _, args := range append(nonMigrating, []string{"migrate"}, []string{"serve"}) {
		var out bytes.Buffer
		err := Run(ctx, append(args, "--config", cfg), &out, &out, nil)
		if err == nil || !strings.Contains(err.Error(), "database schema is version 9999, newer than this binary knows") {
			t.Errorf("%v on a newer schema: %v", args, err)
		}
	}
	os.Remove(cfg)
	os.Remove(store.LockPath(path))
	if dirHash(t, dir) != before {
		t.Fatal("the database's files changed")
	}
}

// TestSchema_NoDatabase: only migrate (and serve, demo) create the
// database; the others name the path and create nothing.
func TestSchema_NoDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "helpdesk.db")
	for _, args := range nonMigrating {
		var out bytes.Buffer
		err := Run(ctx, append(args, "--db", path), &out, &out, nil)
		if err == nil || !strings.Contains(err.Error(), "no database at "+path+": run helpdesk migrate or serve") {
			t.Errorf("%v without a database: %v", args, err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files created: %v", ents)
	}
	var out bytes.Buffer
	if err := Run(ctx, []string{"migrate", "--db", path, "--json"}, &out, &out, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), `"created": true`) {
		t.Fatalf("migrate --json: %s", out.String())
	}
}

// TestServe_BacksUpBeforeUpgrade: serve on an older schema writes
// PATH.pre-N, then upgrades.
func TestServe_BacksUpBeforeUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	latest := latestSchema(t)
	prev := previousSchema(t, latest)
	dir := t.TempDir()
	path := filepath.Join(dir, "helpdesk.db")
	db, err := store.OpenVersion(context.Background(), path, prev)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	startServe(t, writeServeConfig(t, dir))
	if _, err := os.Stat(path + ".pre-" + itoa(prev)); err != nil {
		t.Fatalf("no backup before the upgrade: %v", err)
	}
	db, err = store.OpenCurrent(context.Background(), path)
	if err != nil {
		t.Fatalf("after serve: %v", err)
	}
	db.Close()
}

func itoa(n int) string { return strconv.Itoa(n) }
