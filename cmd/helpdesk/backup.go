package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"helpdesk/gateway"
	"helpdesk/store"
)

// cmdBackup is `backup FILE`: a consistent copy of the database made with
// SQLite's online backup, safe while serve runs. It never overwrites a
// file. README.md says how to restore one.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"usage: backup FILE"}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	// Any schema: a copy changes nothing, and one is worth having before
	// an upgrade.
	if cfg.Store.Driver == "postgres" {
		return fmt.Errorf("backup copies a SQLite database; %s is PostgreSQL: back it up with pg_dump (or a base backup with WAL archiving)", gateway.DescribeStore(cfg))
	}
	db, _, err := store.Inspect(ctx, cfg.Store.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Backup(ctx, pos[0]); err != nil {
		return err
	}
	st, err := os.Stat(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, struct {
			From    string  `json:"from"`
			To      string  `json:"to"`
			Bytes   int64   `json:"bytes"`
			Seconds float64 `json:"seconds"`
		}{cfg.Store.Path, pos[0], st.Size(), time.Since(start).Seconds()})
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes) in %s\n", cfg.Store.Path, pos[0], st.Size(),
		time.Since(start).Round(time.Millisecond))
	return nil
}
