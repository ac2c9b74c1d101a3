package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"helpdesk/gateway"
	"helpdesk/store"
)

// Only migrate and serve change the schema (and create the database);
// every other command needs an existing database with this binary's
// schema and leaves it byte for byte as it found it when it refuses.

// openDB opens the configured database for a command that does not
// migrate: it must exist and have this binary's schema.
func openDB(ctx context.Context, cfg *gateway.Config) (*store.DB, error) {
	return store.OpenCurrent(ctx, cfg.Store.Path)
}

// checkDB refuses what openDB refuses, for the commands that build the
// whole gateway (NewApp opens, and would migrate, the database itself).
func checkDB(ctx context.Context, cfg *gateway.Config) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	return db.Close()
}

// upgrade is what upgradeDB did.
type upgrade struct {
	Path    string `json:"path"`
	Created bool   `json:"created"`          // there was no database
	From    int    `json:"from"`             // the schema version before
	To      int    `json:"version"`          // the schema version now
	Backup  string `json:"backup,omitempty"` // the copy made before upgrading
}

// upgradeDB opens the database at path for serve and migrate: it creates
// a missing one, and upgrades an older schema after an online backup
// beside it, PATH.pre-N where N is the version before. A schema newer
// than the binary's is refused. The caller holds the serve lock.
func upgradeDB(ctx context.Context, path string) (*store.DB, *upgrade, error) {
	up := &upgrade{Path: path}
	old, sch, err := store.Inspect(ctx, path)
	var nd *store.NoDatabaseError
	switch {
	case errors.As(err, &nd):
		up.Created = true
	case err != nil:
		return nil, nil, err
	default:
		up.From = sch.Version
		if len(sch.Unknown) == 0 && len(sch.Pending) > 0 && sch.Version > 0 {
			up.Backup = backupName(path, sch.Version)
			err = old.Backup(ctx, up.Backup)
		}
		old.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("backup before upgrading the schema: %w", err)
		}
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	if up.To, err = db.Version(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, up, nil
}

// backupName is PATH.pre-N, or PATH.pre-N.2, .3 … when that exists
// already (a backup never overwrites a file).
func backupName(path string, version int) string {
	name := fmt.Sprintf("%s.pre-%d", path, version)
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			return name
		}
		name = fmt.Sprintf("%s.pre-%d.%d", path, version, i)
	}
}
