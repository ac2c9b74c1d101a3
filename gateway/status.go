package gateway

import (
	"context"

	"helpdesk/inbound/admin"
	"helpdesk/internal/buildinfo"
	"helpdesk/store"
)

// StatusFromDB builds the status from the database alone, which must
// exist and have this binary's schema: it is read, never upgraded.
func StatusFromDB(ctx context.Context, cfg *Config) (*admin.Status, error) {
	db, err := store.OpenCurrent(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := SeedChannels(ctx, db, cfg); err != nil {
		return nil, err
	}
	rows, err := db.Channels(ctx)
	if err != nil {
		return nil, err
	}
	return admin.BuildStatus(ctx, db, admin.Options{Version: buildinfo.Version(), Credits: creditsSource(db), Channels: func() []admin.Channel {
		out := make([]admin.Channel, 0, len(rows))
		for _, r := range rows {
			out = append(out, admin.Channel{Name: r.Name, Kind: r.Kind, Enabled: r.Enabled, State: "not_running"})
		}
		return out
	}})
}

// creditsSource gives /status the credits totals of db.
func creditsSource(db *store.DB) func(context.Context) (*admin.Credits, error) {
	return func(ctx context.Context) (*admin.Credits, error) {
		t, err := db.CreditTotals(ctx)
		if err != nil {
			return nil, err
		}
		return &admin.Credits{Balance: t.Balance, Granted: t.Granted, Purchased: t.Purchased,
			Charged: t.Charged, Expired: t.Expired}, nil
	}
}
