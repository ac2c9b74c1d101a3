package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSchema_OlderNewerMissing(t *testing.T) {
	ctx := context.Background()
	known, err := knownMigrations()
	if err != nil {
		t.Fatal(err)
	}
	// The numbers may have gaps (migrations of parts built side by side).
	latest, prev := known[len(known)-1], known[len(known)-2]
	dir := t.TempDir()

	t.Run("Missing", func(t *testing.T) {
		path := filepath.Join(dir, "none.db")
		_, err := OpenCurrent(ctx, path)
		var nd *NoDatabaseError
		if !errors.As(err, &nd) {
			t.Fatalf("OpenCurrent on no file: %v, want a NoDatabaseError", err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("OpenCurrent created %s", path)
		}
	})

	t.Run("Older", func(t *testing.T) {
		path := filepath.Join(dir, "old.db")
		db, err := OpenVersion(ctx, path, prev)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := db.Schema(ctx)
		db.Close()
		if err != nil || sch.Version != prev || len(sch.Pending) != 1 || sch.Pending[0] != latest || sch.Current() {
			t.Fatalf("schema %+v, %v; want version %d with %d pending", sch, err, prev, latest)
		}
		_, err = OpenCurrent(ctx, path)
		var se *SchemaError
		if !errors.As(err, &se) || se.Newer || se.Have != prev || se.Want != latest {
			t.Fatalf("OpenCurrent on an older schema: %v", err)
		}
		db, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("Open upgrades: %v", err)
		}
		db.Close()
		db, err = OpenCurrent(ctx, path)
		if err != nil {
			t.Fatalf("OpenCurrent after the upgrade: %v", err)
		}
		db.Close()
	})

	for name, bump := range map[string]string{
		"NewerMigration":   `INSERT INTO schema_migrations (version) VALUES (9999)`,
		"NewerUserVersion": `PRAGMA user_version = 9999`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".db")
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.db.Exec(bump); err != nil {
				t.Fatal(err)
			}
			db.Close()
			for opener, open := range map[string]func() (*DB, error){
				"Open":        func() (*DB, error) { return Open(ctx, path) },
				"OpenCurrent": func() (*DB, error) { return OpenCurrent(ctx, path) },
			} {
				_, err := open()
				var se *SchemaError
				if !errors.As(err, &se) || !se.Newer || se.Have != 9999 {
					t.Fatalf("%s on a newer schema: %v, want a SchemaError", opener, err)
				}
			}
		})
	}
}
