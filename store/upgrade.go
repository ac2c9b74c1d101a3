package store

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Only migrate and serve change the schema (and create the database):
// UpgradeSchema and Migrate. Every other command opens the database with
// OpenCurrent, which refuses another schema and leaves the file as it was.

// Upgrade is what UpgradeSchema did.
type Upgrade struct {
	Path    string `json:"path"`
	Created bool   `json:"created"`          // there was no database
	From    int    `json:"from"`             // the schema version before
	To      int    `json:"version"`          // the schema version now
	Backup  string `json:"backup,omitempty"` // the copy made before upgrading
}

// UpgradeSchema opens the database at path for serve and migrate: it creates
// a missing one, and upgrades an older schema after an online backup
// beside it, PATH.pre-N where N is the version before. A schema newer
// than the binary's is refused. The caller holds the serve lock.
func UpgradeSchema(ctx context.Context, path string) (*DB, *Upgrade, error) {
	up := &Upgrade{Path: path}
	old, sch, err := Inspect(ctx, path)
	var nd *NoDatabaseError
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
	db, err := Open(ctx, path)
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

// Migrate creates or upgrades the database under the serve lock, so no
// serve runs on a schema changing under it. Beside a running serve it
// only reports a schema that is current already.
func Migrate(ctx context.Context, path string) (*Upgrade, error) {
	lock, err := AcquireLock(path)
	var le *LockedError
	if errors.As(err, &le) {
		db, sch, ierr := Inspect(ctx, path)
		if ierr != nil {
			return nil, ierr
		}
		db.Close()
		if !sch.Current() {
			return nil, fmt.Errorf("%w; stop it and migrate, or start this binary's serve, which migrates", le)
		}
		return &Upgrade{Path: path, From: sch.Version, To: sch.Version}, nil
	}
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	db, up, err := UpgradeSchema(ctx, path)
	if err != nil {
		return nil, err
	}
	return up, db.Close()
}
