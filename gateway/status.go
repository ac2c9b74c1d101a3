package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"helpdesk/inbound/admin"
	"helpdesk/internal/buildinfo"
	"helpdesk/store"
)

// StatusFromDB builds the status from the database alone, which must
// exist and have this binary's schema: it is read, never upgraded.
func StatusFromDB(ctx context.Context, cfg *Config) (*admin.Status, error) {
	db, err := OpenCurrentStore(ctx, cfg)
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
			Charged: t.Charged, Expired: t.Expired, ByHand: t.ByHand}, nil
	}
}

// pageRows is how many SLA tickets and dead outbox rows the status page
// lists.
const pageRows = 10

// detailsSource gives the status page what /status lacks: the tickets at
// risk or breached, the newest dead outbox rows and quarantined mail.
func detailsSource(db *store.DB) func(context.Context) (*admin.Details, error) {
	return func(ctx context.Context) (*admin.Details, error) {
		var d admin.Details
		sla, err := db.SLATickets(ctx, pageRows)
		if err != nil {
			return nil, err
		}
		for _, t := range sla {
			e := admin.QueueEntry{Number: t.Number, Department: t.Department, Status: t.Status, Priority: t.Priority,
				HotRush: t.HotRush, SLAState: t.SLAState, Subject: t.Subject}
			if !t.SLADue.IsZero() {
				due := t.SLADue.UTC()
				e.SLADue = &due
			}
			d.SLATickets = append(d.SLATickets, e)
		}
		dead, err := db.DeadOutbox(ctx, pageRows)
		if err != nil {
			return nil, err
		}
		for _, r := range dead {
			d.Dead = append(d.Dead, admin.DeadRow{ID: r.ID, Ticket: r.Ticket, Kind: r.Kind, Attempts: r.Attempts,
				LastError: r.LastError, CreatedAt: r.CreatedAt})
		}
		q, err := db.QuarantineNewest(ctx)
		if err != nil {
			return nil, err
		}
		if q != nil {
			d.QuarantineNewest = &admin.QuarantineEntry{ID: q.ID, Channel: q.Channel, Reason: q.Reason,
				MessageID: q.MessageID, At: q.CreatedAt}
		}
		return &d, nil
	}
}

// statusHTTPTimeout bounds asking a running serve for its /status.
const statusHTTPTimeout = 2 * time.Second

// ErrNoServe is FetchStatus's error when nothing listens on http.listen.
var ErrNoServe = errors.New("serve not reachable")

// FetchStatus asks the serve listening on http.listen for /status. An
// address nothing listens on is ErrNoServe; a refused token is an error
// of its own, since the database would show a different picture.
func FetchStatus(ctx context.Context, cfg *Config) (*admin.Status, error) {
	host, port, err := net.SplitHostPort(cfg.HTTP.Listen)
	if err != nil || port == "0" {
		return nil, ErrNoServe
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, statusHTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+net.JoinHostPort(host, port)+"/status", nil)
	if err != nil {
		return nil, err
	}
	if cfg.HTTP.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.HTTP.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, ErrNoServe
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("serve at %s refused the token (http.token)", cfg.HTTP.Listen)
	}
	var st admin.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, fmt.Errorf("status from %s: %w", cfg.HTTP.Listen, err)
	}
	return &st, nil
}
