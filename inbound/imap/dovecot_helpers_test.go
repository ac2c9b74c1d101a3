package imap

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	_ "github.com/mattn/go-sqlite3" // to read the quarantine's raw bytes, which store never lists

	"helpdesk/core"
	"helpdesk/inbound/imap/imaptest"
	"helpdesk/store"
)

// dovecot is a private Dovecot plus a real store and a real core, for the
// end-to-end tests and the benchmarks.
type dovecot struct {
	srv    *imaptest.Server
	dbPath string
	db     *store.DB
	svc    *core.Service
	st     *recStore
	log    *logBuffer
}

// startDovecot starts a Dovecot (skipping the test when it is not
// installed) and opens a fresh store.
func startDovecot(tb testing.TB, o imaptest.Options) *dovecot {
	tb.Helper()
	srv := imaptest.Start(tb, o)
	d := &dovecot{srv: srv, log: &logBuffer{}}
	d.dbPath, d.db, d.svc = openCore(tb, nil)
	d.st = &recStore{DB: d.db}
	return d
}

// openCore opens a store file in a fresh temporary directory, with the
// production DSN, and a core service over it. A nil logger discards
// core's log.
func openCore(tb testing.TB, logger *slog.Logger) (string, *store.DB, *core.Service) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "helpdesk.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	svc, err := core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: []byte("test-secret"),
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
		},
		Logger: logger,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return path, db, svc
}

// opts are fast settings against the plain listener: short back-off and
// poll interval, no IDLE.
func (d *dovecot) opts() Options {
	return Options{
		Name:           "support",
		Address:        d.srv.Addr,
		Username:       imaptest.DefaultUser,
		Password:       imaptest.DefaultPassword,
		PollInterval:   50 * time.Millisecond,
		BackoffBase:    20 * time.Millisecond,
		BackoffMax:     200 * time.Millisecond,
		CommandTimeout: deadline,
		LogoutTimeout:  2 * time.Second,
		Logger:         slog.New(slog.NewTextHandler(d.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// runPoller starts p and stops it at the end of the test (or when stop is
// called), checking that Run returns nil promptly.
func runPoller(tb testing.TB, p *Poller) (stop func()) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(deadline):
				tb.Errorf("Run did not return within %s after cancel", deadline)
			}
			if got := p.State().State; got != StateStopped {
				tb.Errorf("state after Run = %q, want %q", got, StateStopped)
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

// eventually polls cond until it holds or the deadline passes; on timeout
// it reports what and the poller's state.
func eventually(tb testing.TB, p *Poller, what string, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			var st string
			if p != nil {
				st = fmt.Sprintf("; state=%+v", p.State())
			}
			tb.Fatalf("timed out after %s waiting for %s%s", deadline, what, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tickets returns the subjects of all tickets, sorted.
func (d *dovecot) tickets(tb testing.TB) []string {
	tb.Helper()
	rows, err := d.db.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Subject)
	}
	slices.Sort(out)
	return out
}

func (d *dovecot) counts(tb testing.TB) *core.Counts {
	tb.Helper()
	c, err := d.db.Counts(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func (d *dovecot) cursor(tb testing.TB, name string) (uint32, uint32) {
	tb.Helper()
	uv, last, err := d.db.IMAPCursor(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return uv, last
}

// quarantined returns what store lists, oldest first.
func (d *dovecot) quarantined(tb testing.TB) []core.Quarantined {
	tb.Helper()
	q, err := d.db.QuarantineList(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	slices.Reverse(q)
	return q
}

// quarantinedRaw reads the raw bytes of a quarantined mail straight from
// the database file: store lists the quarantine without them. ok is false
// when they are NULL.
func (d *dovecot) quarantinedRaw(tb testing.TB, id int64) (raw []byte, ok bool) {
	tb.Helper()
	db, err := sql.Open("sqlite3", "file:"+d.dbPath+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT raw FROM quarantine WHERE id = ?`, id).Scan(&raw); err != nil {
		tb.Fatalf("raw of quarantined mail %d: %v", id, err)
	}
	return raw, raw != nil
}

// allSeen reports whether every message of mailbox is \Seen, and how
// many there are.
func (d *dovecot) allSeen(tb testing.TB, mailbox string) (all bool, n int) {
	tb.Helper()
	flags := d.srv.Flags(tb, imaptest.DefaultUser, mailbox)
	for _, fl := range flags {
		if !slices.Contains(fl, `\Seen`) {
			return false, len(flags)
		}
	}
	return true, len(flags)
}

// customerMail is a mail from a customer of its own (so it opens a new
// ticket), with CRLF line endings as Dovecot serves them.
func customerMail(tag string, n int) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf(`From: Customer %[2]d <c%[2]d.%[1]s@customer%[2]d.example>
To: support@support.example.com
Subject: %[1]s %[2]d
Message-ID: <%[1]s.%[2]d@customer%[2]d.example>
Date: Mon, 23 Nov 2026 08:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hello, the printer on floor %[2]d is broken (%[1]s).
`, tag, n), "\n", "\r\n"))
}

// subjects are the subjects of customerMail(tag, from…to), sorted.
func subjects(tag string, from, to int) []string {
	var out []string
	for n := from; n <= to; n++ {
		out = append(out, fmt.Sprintf("%s %d", tag, n))
	}
	slices.Sort(out)
	return out
}

// countLines returns how many lines of s contain substr.
func countLines(s, substr string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// peekBodies returns the messages of mailbox by UID, as Dovecot serves
// them, without marking them \Seen.
func peekBodies(tb testing.TB, srv *imaptest.Server, mailbox string) map[imap.UID][]byte {
	tb.Helper()
	c := srv.Login(tb, imaptest.DefaultUser)
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		tb.Fatal(err)
	}
	out := map[imap.UID][]byte{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{peek}}).Collect()
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range msgs {
		out[m.UID] = m.FindBodySection(peek)
	}
	return out
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// proxy forwards loopback connections to a server and records what the
// clients sent.
type proxy struct {
	addr string
	mu   sync.Mutex
	wire bytes.Buffer
}

func startProxy(tb testing.TB, target string) *proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	px := &proxy{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, s)
			mu.Unlock()
			wg.Add(2)
			go func() {
				defer wg.Done()
				io.Copy(io.MultiWriter(s, px), c)
				s.Close()
			}()
			go func() {
				defer wg.Done()
				io.Copy(c, s)
				c.Close()
			}()
		}
	}()
	return px
}

func (px *proxy) Write(b []byte) (int, error) {
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.wire.Write(b)
}

// sent counts the lines the clients sent that contain substr.
func (px *proxy) sent(substr string) int {
	px.mu.Lock()
	defer px.mu.Unlock()
	return countLines(px.wire.String(), substr)
}

// saysMissing reports whether an error text says that mailbox does not
// exist: in the poller's words ("mailbox X does not exist") or in
// Dovecot's, which the poller passes on ("NO Mailbox doesn't exist: X").
func saysMissing(errText, mailbox string) bool {
	if mailbox == "" {
		return false
	}
	return strings.Contains(errText, "mailbox "+mailbox+" does not exist") ||
		strings.Contains(errText, "Mailbox doesn't exist: "+mailbox)
}
