package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/store"
)

// copyToPostgres is `migrate --to postgres DSN`: the configured SQLite
// database, which serve must not be using, copied into the empty
// PostgreSQL database at dsn and checked (store.CopyToPostgres). The
// SQLite file is left as it was: it stays the fallback until the
// configuration names the new database.
func copyToPostgres(ctx context.Context, cfg *gateway.Config, dsn string, asJSON bool, stdout io.Writer) error {
	if cfg.Store.Driver != "sqlite" {
		return core.Errorf(core.EINVALID, "migrate --to postgres copies a SQLite database; the configured store is %s", gateway.DescribeStore(cfg))
	}
	lock, err := store.AcquireLock(cfg.Store.Path)
	var le *store.LockedError
	if errors.As(err, &le) {
		return fmt.Errorf("%w: stop serve first, a copy needs the database at rest", err)
	}
	if err != nil {
		return err
	}
	defer lock.Release()
	src, err := store.OpenCurrent(ctx, cfg.Store.Path)
	if err != nil {
		return err
	}
	defer src.Close()
	rep, err := store.CopyToPostgres(ctx, src, dsn)
	if rep != nil && asJSON {
		if werr := writeJSON(stdout, rep); werr != nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	if asJSON {
		return nil
	}
	for _, t := range rep.Tables {
		fmt.Fprintf(stdout, "%-20s %8d rows\n", t.Name, t.Target)
	}
	fmt.Fprintf(stdout, "copied %d rows of %d tables from %s to %s; every count matches, credits verify clean on both; %d messages indexed for search\n",
		rep.Rows, len(rep.Tables), rep.From, rep.To, rep.Search)
	fmt.Fprintf(stdout, "next: set [store] driver = \"postgres\" and dsn (or dsn_file), then start serve\n")
	return nil
}
