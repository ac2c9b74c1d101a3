package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"helpdesk/core"
)

// Backup copies the database into a new file at path with SQLite's online
// backup, while the database stays in use: the copy is a consistent
// snapshot (every committed transaction up to one moment, none after),
// and writers are not blocked meanwhile (WAL). It refuses to overwrite an
// existing file (an *core.Error with code ECONFLICT) and removes a
// partial copy when it fails. The copy opens with Open.
func (s *DB) Backup(ctx context.Context, path string) (err error) {
	if s.pg {
		return core.Errorf(core.EINVALID, "the database is PostgreSQL: back it up with its own tools (pg_dump, or a base backup with WAL archiving)")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return core.Errorf(core.ECONFLICT, "%s exists already; a backup never overwrites a file", path)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(path)
			os.Remove(path + "-journal")
		}
	}()

	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	dst, err := sql.Open("sqlite3", uri+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer dst.Close()
	dc, err := dst.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer dc.Close()
	sc, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer sc.Close()

	err = dc.Raw(func(d any) error {
		return sc.Raw(func(src any) error {
			dconn, ok1 := d.(*sqlite3.SQLiteConn)
			sconn, ok2 := src.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return fmt.Errorf("not a SQLite connection")
			}
			b, err := dconn.Backup("main", sconn, "main")
			if err != nil {
				return err
			}
			// One step copies every page from one read snapshot; smaller
			// steps would start over each time another connection writes.
			for {
				done, err := b.Step(-1)
				if err != nil {
					b.Close()
					return err
				}
				if done {
					return b.Finish()
				}
				select { // the source is busy or locked: try again shortly
				case <-ctx.Done():
					b.Close()
					return ctx.Err()
				case <-time.After(10 * time.Millisecond):
				}
			}
		})
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	var check string
	if err := dc.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("backup to %s: the copy fails its check: %q %v", path, check, err)
	}
	return nil
}
