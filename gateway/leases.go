package gateway

import (
	"context"
	"time"

	"helpdesk/internal/retry"
)

// Gateways sharing one PostgreSQL database run each singleton job (the
// sweep, each IMAP mailbox) on one of them at a time, under a lease in
// the database. The holder renews it every leaseRenew; one that dies
// stops renewing, and another takes the job over within leaseTTL plus
// leaseRetry. On SQLite the job simply runs: one serve holds the file.
const (
	leaseTTL   = 10 * time.Second
	leaseRenew = 3 * time.Second
	leaseRetry = 2 * time.Second
)

// StateStandby is a mailbox's state on /status while another gateway on
// the same database polls it.
const StateStandby = "standby"

// mailboxLease names the lease of an [[imap]] mailbox.
func mailboxLease(name string) string { return "imap:" + name }

// underLease runs job while this gateway holds the lease name, and
// returns when ctx ends. When the lease is lost (not renewed in time, or
// taken over after a pause of this process), job's context is cancelled
// and the lease sought again. Exactly-once does not rest on the lease
// alone: a mailbox resumes from its committed UID cursor and a mail
// stored twice is refused by the duplicate check.
func (a *App) underLease(ctx context.Context, name string, job func(context.Context) error) error {
	if !a.DB.Shared() {
		return job(ctx)
	}
	log := a.log.With("lease", name)
	defer a.standby.Delete(name)
	for ctx.Err() == nil {
		held, err := a.DB.HoldLease(ctx, name, leaseTTL)
		if err != nil {
			log.Warn("lease not taken", "err", err)
		}
		if !held {
			a.standby.Store(name, true)
			if !retry.Sleep(ctx, leaseRetry) {
				break
			}
			continue
		}
		a.standby.Delete(name)
		log.Info("lease taken: running here", "instance", a.DB.Instance())
		if err := a.holdWhile(ctx, name, job); err != nil {
			return err
		}
	}
	return nil
}

// holdWhile runs job and renews the lease until job returns, ctx ends or
// the lease is lost; then it releases the lease.
func (a *App) holdWhile(ctx context.Context, name string, job func(context.Context) error) error {
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- job(jobCtx) }()
	renew := time.NewTicker(leaseRenew)
	defer renew.Stop()
	last := time.Now()
	for {
		select {
		case err := <-done:
			a.releaseLease(name)
			return err
		case <-renew.C:
			held, err := a.DB.HoldLease(ctx, name, leaseTTL)
			switch {
			case held:
				last = time.Now()
			case err == nil || time.Since(last) > leaseTTL-leaseRenew:
				// Taken over, or unrenewed for so long that another
				// gateway may take it before the next try.
				a.log.Warn("lease lost: stopping here", "lease", name, "err", err)
				cancel()
				<-done
				return nil
			}
		}
	}
}

// releaseLease gives the lease up at once, so that another gateway need
// not wait for it to expire (a clean stop, a channel turned off).
func (a *App) releaseLease(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.DB.ReleaseLease(ctx, name); err != nil {
		a.log.Warn("lease not released", "lease", name, "err", err)
	}
}
