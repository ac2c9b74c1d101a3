package imap

// Benchmarks of the poller against a real, private Dovecot (see package
// imaptest); they skip when Dovecot is not installed. Run them with
//
//	go test -run '^$' -bench . -benchtime 1x ./inbound/imap/
//
// HELPDESK_BENCH_MAILS sets the number of mails BenchmarkIMAPDrain loads
// (default 10,000).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"helpdesk/core"
	"helpdesk/inbound/imap/imaptest"
	"helpdesk/inbound/mail"
	"helpdesk/store"
)

const defaultBenchMails = 10000

func benchMails(b *testing.B) int {
	b.Helper()
	v := os.Getenv("HELPDESK_BENCH_MAILS")
	if v == "" {
		return defaultBenchMails
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("HELPDESK_BENCH_MAILS=%q is not a positive number", v)
	}
	return n
}

// benchOptions are production-like settings: the default batch size and
// timeouts, a logger that formats every line as production does (into
// io.Discard).
func benchOptions(srv *imaptest.Server, mailbox string) Options {
	return Options{
		Name:          mailbox,
		Address:       srv.Addr,
		Username:      imaptest.DefaultUser,
		Password:      imaptest.DefaultPassword,
		Mailbox:       mailbox,
		BackoffBase:   100 * time.Millisecond,
		BackoffMax:    time.Second,
		LogoutTimeout: 2 * time.Second,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// BenchmarkIMAPDrain times a poller draining a mailbox of N new mails,
// each from a sender of its own (so each opens a new ticket), from Run
// until the last one is committed. It reports
//   - mails/s: the poller's drain rate;
//   - baseline_mails/s: the rate at which a bare client fetches the same
//     mailbox (UID FETCH BODY.PEEK[] in batches of 100, bytes discarded),
//     the ceiling for any IMAP poller on this machine;
//   - ratio: mails/s / baseline_mails/s;
//   - core_%, cursor_%: the share of the drain spent in core's Receive
//     and in cursor writes;
//   - core_only_mails/s: the rate of parsing and receiving the same mails
//     without IMAP, the ceiling that core and SQLite set.
func BenchmarkIMAPDrain(b *testing.B) {
	n := benchMails(b)
	srv := imaptest.Start(b, imaptest.Options{})
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = customerMail("drain", i+1)
	}

	var drain, baseline, coreOnly, inCore, inCursor time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		mbox := fmt.Sprintf("Drain%d", i)
		srv.CreateMailbox(b, imaptest.DefaultUser, mbox)
		srv.AppendMany(b, imaptest.DefaultUser, mbox, raws)
		_, db, svc := openCore(b, nil)
		recv, st := &timedReceiver{svc: svc}, &timedStore{DB: db}
		p := New(recv, st, benchOptions(srv, mbox))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		limit := time.Minute + time.Duration(n)*10*time.Millisecond

		b.StartTimer()
		start := time.Now()
		go func() { done <- p.Run(ctx) }()
		for p.State().Processed < int64(n) {
			if time.Since(start) > limit {
				b.Fatalf("drain: %d of %d mails after %s; state=%+v", p.State().Processed, n, limit, p.State())
			}
			time.Sleep(time.Millisecond)
		}
		d := time.Since(start)
		b.StopTimer()

		drain += d
		inCore += time.Duration(recv.total.Load())
		inCursor += time.Duration(st.total.Load())
		cancel()
		if err := <-done; err != nil {
			b.Fatalf("Run = %v", err)
		}
		checkDrained(b, db, p, n)
		baseline += bareFetch(b, srv, mbox, n)
		coreOnly += parseAndReceive(b, raws)
	}
	total := float64(n * b.N)
	rate, base := total/drain.Seconds(), total/baseline.Seconds()
	b.ReportMetric(rate, "mails/s")
	b.ReportMetric(base, "baseline_mails/s")
	b.ReportMetric(rate/base, "ratio")
	// Where the drain's wall time went: in core's Receive (SQLite
	// transactions), in cursor writes, and the rest (IMAP round trips,
	// parsing, acknowledgments).
	b.ReportMetric(100*inCore.Seconds()/drain.Seconds(), "core_%")
	b.ReportMetric(100*inCursor.Seconds()/drain.Seconds(), "cursor_%")
	b.ReportMetric(total/coreOnly.Seconds(), "core_only_mails/s")
}

// parseAndReceive parses the mails and hands them to a core over a fresh
// store, one after the other, as the poller does but without IMAP: the
// ceiling that core and SQLite set for any mail source.
func parseAndReceive(b *testing.B, raws [][]byte) time.Duration {
	b.Helper()
	_, _, svc := openCore(b, nil)
	start := time.Now()
	for _, raw := range raws {
		e, err := mail.Parse(raw, core.Envelope{})
		if err != nil {
			b.Fatal(err)
		}
		// A context with a deadline, like the poller's.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = svc.Receive(ctx, e)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// timedReceiver is core with a stopwatch: the wall time spent in Receive.
type timedReceiver struct {
	svc   *core.Service
	total atomic.Int64
}

func (r *timedReceiver) Receive(ctx context.Context, e *core.Email) (*core.Receipt, error) {
	start := time.Now()
	defer func() { r.total.Add(int64(time.Since(start))) }()
	return r.svc.Receive(ctx, e)
}

func (r *timedReceiver) ReceiveAll(ctx context.Context, mails []*core.Email) ([]*core.Receipt, []error) {
	start := time.Now()
	defer func() { r.total.Add(int64(time.Since(start))) }()
	return r.svc.ReceiveAll(ctx, mails)
}

// timedStore is the store with a stopwatch on the cursor writes.
type timedStore struct {
	*store.DB
	total atomic.Int64
}

func (s *timedStore) SetIMAPCursor(ctx context.Context, mailbox string, uv, last uint32) error {
	start := time.Now()
	defer func() { s.total.Add(int64(time.Since(start))) }()
	return s.DB.SetIMAPCursor(ctx, mailbox, uv, last)
}

// checkDrained checks that every mail is a ticket of its own, and that
// the poller neither quarantined nor failed.
func checkDrained(b *testing.B, db *store.DB, p *Poller, n int) {
	b.Helper()
	c, err := db.Counts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	tickets := 0
	for _, k := range c.TicketsByStatus {
		tickets += k
	}
	st := p.State()
	if tickets != n || c.Messages != n || st.Quarantined != 0 || st.Duplicates != 0 || st.LastUID != uint32(n) || st.LastError != "" {
		b.Fatalf("after the drain: %d tickets, %d messages, state=%+v; want %d of each", tickets, c.Messages, st, n)
	}
}

// bareFetch fetches every body of mailbox (UIDs 1 to n) with a plain
// client, in UID FETCH BODY.PEEK[] commands of 100, and discards the
// bytes; it returns the time from dialling to the last byte.
func bareFetch(b *testing.B, srv *imaptest.Server, mailbox string, n int) time.Duration {
	b.Helper()
	start := time.Now()
	c, err := imapclient.DialInsecure(srv.Addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imaptest.DefaultUser, imaptest.DefaultPassword).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	got := 0
	opts := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{peek}}
	for lo := 1; lo <= n; lo += 100 {
		hi := min(lo+99, n)
		cmd := c.Fetch(imap.UIDSet{{Start: imap.UID(lo), Stop: imap.UID(hi)}}, opts)
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
					if _, err := io.Copy(io.Discard, body.Literal); err != nil {
						b.Fatal(err)
					}
					got++
				}
			}
		}
		if err := cmd.Close(); err != nil {
			b.Fatal(err)
		}
	}
	d := time.Since(start)
	if got != n {
		b.Fatalf("bare fetch got %d bodies, want %d", got, n)
	}
	_ = c.Logout().Wait()
	return d
}

// commitClock is core with a stopwatch: it records when each mail's
// transaction committed.
type commitClock struct {
	svc     *core.Service
	commits chan commitAt
}

type commitAt struct {
	messageID string
	at        time.Time
}

func (c *commitClock) Receive(ctx context.Context, e *core.Email) (*core.Receipt, error) {
	rc, err := c.svc.Receive(ctx, e)
	if err == nil {
		c.commits <- commitAt{e.MessageID, time.Now()}
	}
	return rc, err
}

func (c *commitClock) ReceiveAll(ctx context.Context, mails []*core.Email) ([]*core.Receipt, []error) {
	return receiveEach(ctx, c.Receive, mails)
}

// BenchmarkIMAPIdleLatency measures, for a poller waiting in IDLE, the
// time from a completed APPEND to the committed ticket: 200 mails, one at
// a time, each appended once the previous one is committed and the
// poller idles again. It reports p50_ms, p95_ms and max_ms, and, as the
// baseline, the p50 and p95 of the time until a bare client idling on
// the same mailbox hears of the mail (the server's EXISTS):
// exists_p50_ms, exists_p95_ms.
func BenchmarkIMAPIdleLatency(b *testing.B) {
	const mails = 200
	srv := imaptest.Start(b, imaptest.Options{})
	var lat, exists []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mbox := fmt.Sprintf("Idle%d", i)
		srv.CreateMailbox(b, imaptest.DefaultUser, mbox)
		_, db, svc := openCore(b, nil)
		clock := &commitClock{svc: svc, commits: make(chan commitAt, mails)}
		opts := benchOptions(srv, mbox)
		opts.IDLE = true
		opts.PollInterval = time.Hour // only IDLE brings the mail
		p := New(clock, db, opts)
		stop := runPoller(b, p)
		app := srv.Login(b, imaptest.DefaultUser)
		watch := idleWatcher(b, srv, mbox)

		for j := 1; j <= mails; j++ {
			eventually(b, p, "IDLE", func() bool { return p.State().State == StateIdle })
			raw := customerMail(fmt.Sprintf("idle%d", i), j)
			cmd := app.Append(mbox, int64(len(raw)), nil)
			if _, err := cmd.Write(raw); err != nil {
				b.Fatal(err)
			}
			if err := cmd.Close(); err != nil {
				b.Fatal(err)
			}
			if _, err := cmd.Wait(); err != nil {
				b.Fatal(err)
			}
			appended := time.Now()
			want := fmt.Sprintf("idle%d.%d@customer%d.example", i, j, j)
			select {
			case c := <-clock.commits:
				if c.messageID != want {
					b.Fatalf("committed %q, want %q", c.messageID, want)
				}
				lat = append(lat, max(0, c.at.Sub(appended)))
			case <-time.After(deadline):
				b.Fatalf("mail %d not committed within %s; state=%+v", j, deadline, p.State())
			}
			exists = append(exists, max(0, watch.wait(b, uint32(j)).Sub(appended)))
		}
		watch.stop(b)
		stop()
		if st := p.State(); st.Processed != mails || st.LastError != "" {
			b.Fatalf("state=%+v, want %d processed", st, mails)
		}
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	// Nearest rank: the smallest latency with at least p of them at or
	// below it.
	pct := func(p float64) time.Duration { return lat[max(0, int(math.Ceil(p*float64(len(lat))))-1)] }
	b.ReportMetric(ms(pct(0.50)), "p50_ms")
	b.ReportMetric(ms(pct(0.95)), "p95_ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max_ms")
	slices.Sort(exists)
	b.ReportMetric(ms(exists[len(exists)/2]), "exists_p50_ms")
	b.ReportMetric(ms(exists[max(0, int(math.Ceil(0.95*float64(len(exists))))-1)]), "exists_p95_ms")
}

// existsWatcher is a bare client idling on a mailbox; it records when the
// server reports each new message count.
type existsWatcher struct {
	c      *imapclient.Client
	idle   *imapclient.IdleCommand
	counts chan existsAt
}

type existsAt struct {
	n  uint32
	at time.Time
}

func idleWatcher(b *testing.B, srv *imaptest.Server, mailbox string) *existsWatcher {
	b.Helper()
	w := &existsWatcher{counts: make(chan existsAt, 1024)}
	c, err := imapclient.DialInsecure(srv.Addr, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case w.counts <- existsAt{*d.NumMessages, time.Now()}:
					default:
					}
				}
			},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	w.c = c
	b.Cleanup(func() { c.Close() })
	if err := c.Login(imaptest.DefaultUser, imaptest.DefaultPassword).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	if w.idle, err = c.Idle(); err != nil {
		b.Fatal(err)
	}
	return w
}

// wait returns when the server reported n messages.
func (w *existsWatcher) wait(b *testing.B, n uint32) time.Time {
	b.Helper()
	timeout := time.After(deadline)
	for {
		select {
		case c := <-w.counts:
			if c.n >= n {
				return c.at
			}
		case <-timeout:
			b.Fatalf("the watcher did not hear of message %d within %s", n, deadline)
		}
	}
}

func (w *existsWatcher) stop(b *testing.B) {
	b.Helper()
	if err := w.idle.Close(); err != nil {
		b.Fatal(err)
	}
	if err := w.idle.Wait(); err != nil {
		b.Fatal(err)
	}
	_ = w.c.Logout().Wait()
}
