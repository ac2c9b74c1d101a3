package gateway

import (
	"context"

	"helpdesk/store"
)

// The database is SQLite, one file (the default), or PostgreSQL ([store]
// driver = "postgres"): the same store on either.

// openStore opens cfg's database and applies its pending migrations.
func openStore(ctx context.Context, cfg *Config) (*store.DB, error) {
	if cfg.Store.Driver == "postgres" {
		return store.OpenPostgres(ctx, cfg.Store.DSN)
	}
	return store.Open(ctx, cfg.Store.Path)
}

// OpenCurrentStore opens cfg's database for a command that does not
// migrate: it must exist and have this binary's schema, and nothing is
// written before it returns.
func OpenCurrentStore(ctx context.Context, cfg *Config) (*store.DB, error) {
	if cfg.Store.Driver == "postgres" {
		return store.OpenPostgresCurrent(ctx, cfg.Store.DSN)
	}
	return store.OpenCurrent(ctx, cfg.Store.Path)
}

// MigrateStore creates or upgrades cfg's database (helpdesk migrate).
func MigrateStore(ctx context.Context, cfg *Config) (*store.Upgrade, error) {
	if cfg.Store.Driver == "postgres" {
		return store.MigratePostgres(ctx, cfg.Store.DSN)
	}
	return store.Migrate(ctx, cfg.Store.Path)
}

// DescribeStore names cfg's database for logs and messages: the SQLite
// file, or the PostgreSQL server and database without the password.
func DescribeStore(cfg *Config) string {
	if cfg.Store.Driver == "postgres" {
		return store.DescribeDSN(cfg.Store.DSN)
	}
	return cfg.Store.Path
}

// upgradeForServe is what serve does first: it takes the serve lock of
// the database's file (on PostgreSQL: of this gateway's own files, the
// outbox journal), creates or upgrades the schema, and returns the lock's
// release. Several gateways may serve one PostgreSQL database: each
// migration runs in a transaction under the writers' lock, so two
// starting at once apply it once.
func upgradeForServe(ctx context.Context, cfg *Config) (release func(), up *store.Upgrade, err error) {
	lock, err := store.AcquireLock(cfg.Store.Path)
	if err != nil {
		return nil, nil, err
	}
	if cfg.Store.Driver == "postgres" {
		up, err = store.MigratePostgres(ctx, cfg.Store.DSN)
	} else {
		var db *store.DB
		if db, up, err = store.UpgradeSchema(ctx, cfg.Store.Path); err == nil {
			db.Close()
		}
	}
	if err != nil {
		lock.Release()
		return nil, nil, err
	}
	return func() { lock.Release() }, up, nil
}
