package main

import (
	"context"

	"helpdesk/gateway"
	"helpdesk/store"
)

// Only migrate and serve change the schema (and create the database);
// every other command needs an existing database with this binary's
// schema and leaves it byte for byte as it found it when it refuses.

// openDB opens the configured database for a command that does not
// migrate: it must exist and have this binary's schema.
func openDB(ctx context.Context, cfg *gateway.Config) (*store.DB, error) {
	return gateway.OpenCurrentStore(ctx, cfg)
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
