package imap

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"helpdesk/core"
	"helpdesk/internal/storetest"
	"helpdesk/store"
)

const (
	testUser = "agent"
	testPass = "s3cret-pass"
	// deadline for conditions; generous, for -race on a loaded machine.
	deadline = 20 * time.Second
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// testServer is go-imap's in-memory server on 127.0.0.1:0.
type testServer struct {
	addr    string
	user    *imapmemserver.User
	accepts atomic.Int64

	mu    sync.Mutex
	wire  bytes.Buffer // what clients sent
	conns []net.Conn
}

// dropAll cuts every connection, as a server restart or a network
// failure would.
func (s *testServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

type serverConfig struct {
	caps           imap.CapSet // nil: IMAP4rev1 + IMAP4rev2 (MOVE, UIDPLUS, IDLE)
	tls            *tls.Config // for STARTTLS, or implicit TLS when implicit
	implicit       bool
	noInsecureAuth bool // refuse LOGIN before TLS
}

func mustServer(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(testUser, testPass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	caps := cfg.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: !cfg.noInsecureAuth,
		Logger:       log.New(io.Discard, "", 0),
	}
	if !cfg.implicit {
		opts.TLSConfig = cfg.tls
	}
	srv := imapserver.New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{addr: ln.Addr().String(), user: u}
	var l net.Listener = &recListener{Listener: ln, s: s}
	if cfg.implicit {
		l = tls.NewListener(l, cfg.tls)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// recListener counts connections and records what clients send.
type recListener struct {
	net.Listener
	s *testServer
}

func (l *recListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.accepts.Add(1)
		l.s.mu.Lock()
		l.s.conns = append(l.s.conns, c)
		l.s.mu.Unlock()
		c = &recConn{Conn: c, s: l.s}
	}
	return c, err
}

type recConn struct {
	net.Conn
	s *testServer
}

func (c *recConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.s.mu.Lock()
	c.s.wire.Write(b[:n])
	c.s.mu.Unlock()
	return n, err
}

// sent returns the lines clients sent that contain substr.
func (s *testServer) sent(substr string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.wire.String(), "\r\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// append adds a message on the server side, as a delivery would.
func (s *testServer) append(t *testing.T, mbox, raw string, flags ...imap.Flag) imap.UID {
	t.Helper()
	data, err := s.user.Append(mbox, bytes.NewReader([]byte(strings.ReplaceAll(raw, "\n", "\r\n"))), &imap.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	return data.UID
}

// client logs in with a second, real client, to look at the mailbox.
func (s *testServer) client(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// flags returns the flags of the messages of mbox by UID.
func (s *testServer) flags(t *testing.T, mbox string) map[imap.UID][]imap.Flag {
	t.Helper()
	c := s.client(t)
	sel, err := c.Select(mbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	out := map[imap.UID][]imap.Flag{}
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		out[m.UID] = m.Flags
	}
	return out
}

func (s *testServer) seen(t *testing.T, mbox string, uid imap.UID) bool {
	t.Helper()
	fl, ok := s.flags(t, mbox)[uid]
	if !ok {
		t.Fatalf("%s has no UID %d", mbox, uid)
	}
	return slices.Contains(fl, imap.FlagSeen)
}

func (s *testServer) uidValidity(t *testing.T, mbox string) uint32 {
	t.Helper()
	d, err := s.client(t).Status(mbox, &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return d.UIDValidity
}

// fixture is a server, a real store and a real core.
type fixture struct {
	srv *testServer
	db  *store.DB
	svc *core.Service
	st  *recStore
	log *logBuffer
}

func mustFixture(t *testing.T, cfg serverConfig) *fixture {
	t.Helper()
	db := storetest.Open(t)
	svc, err := core.NewService(db, core.Options{
		Domain: "support.example.com",
		Secret: []byte("test-secret"),
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
		},
		Now: func() time.Time { return t0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: mustServer(t, cfg), db: db, svc: svc, st: &recStore{DB: db}, log: &logBuffer{}}
}

// opts are fast settings for tests: short back-off and poll interval.
func (f *fixture) opts() Options {
	return Options{
		Name:           "support",
		Address:        f.srv.addr,
		Username:       testUser,
		Password:       testPass,
		PollInterval:   30 * time.Millisecond,
		BackoffBase:    10 * time.Millisecond,
		BackoffMax:     100 * time.Millisecond,
		LogoutTimeout:  2 * time.Second,
		CommandTimeout: deadline,
		Now:            func() time.Time { return t0 },
		Logger:         slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// run starts p and stops it at the end of the test, checking that Run
// returns nil promptly.
func (f *fixture) run(t *testing.T, p *Poller) (stop func()) {
	t.Helper()
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
					t.Errorf("Run = %v, want nil", err)
				}
			case <-time.After(deadline):
				t.Errorf("Run did not return after cancel")
			}
			if got := p.State().State; got != StateStopped {
				t.Errorf("state after Run = %q, want %q", got, StateStopped)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// synced waits for the first successful sync of p.
func synced(t *testing.T, p *Poller) State {
	t.Helper()
	waitFor(t, "a sync", func() bool { return !p.State().LastSuccess.IsZero() })
	return p.State()
}

func (f *fixture) subjects(t *testing.T) []string {
	t.Helper()
	rows, err := f.db.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Subject)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) cursor(t *testing.T) (uint32, uint32) {
	t.Helper()
	uv, last, err := f.db.IMAPCursor(context.Background(), "support")
	if err != nil {
		t.Fatal(err)
	}
	return uv, last
}

// recStore records quarantined mail (the store lists it without the raw
// bytes) and can fail SetIMAPCursor.
type recStore struct {
	*store.DB
	mu          sync.Mutex
	quarantined []core.Quarantined
	failCursor  atomic.Int64 // fail this many SetIMAPCursor calls
}

func (s *recStore) Quarantine(ctx context.Context, q *core.Quarantined) error {
	if err := s.DB.Quarantine(ctx, q); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quarantined = append(s.quarantined, *q)
	return nil
}

func (s *recStore) SetIMAPCursor(ctx context.Context, mailbox string, uv, last uint32) error {
	if s.failCursor.Add(-1) >= 0 {
		return fmt.Errorf("write imap cursor %s: disk I/O error", mailbox)
	}
	return s.DB.SetIMAPCursor(ctx, mailbox, uv, last)
}

func (s *recStore) list() []core.Quarantined {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.quarantined)
}

// recv wraps core with a hook that may fail or panic before or after it.
type recv struct {
	svc   *core.Service
	calls atomic.Int64
	hook  func(e *core.Email, n int64) (before, after error)
}

func (r *recv) Receive(ctx context.Context, e *core.Email) (*core.Receipt, error) {
	n := r.calls.Add(1)
	var before, after error
	if r.hook != nil {
		before, after = r.hook(e, n)
	}
	if before != nil {
		return nil, before
	}
	rc, err := r.svc.Receive(ctx, e)
	if err == nil && after != nil {
		return nil, after // committed, but the poller never hears of it
	}
	return rc, err
}

func (r *recv) ReceiveAll(ctx context.Context, mails []*core.Email) ([]*core.Receipt, []error) {
	return receiveEach(ctx, r.Receive, mails)
}

// receiveEach is ReceiveAll for a receiver that takes one mail at a time:
// it stops after the first mail that failed for a reason that may pass,
// since nothing after it may be received before it.
func receiveEach(ctx context.Context, receive func(context.Context, *core.Email) (*core.Receipt, error), mails []*core.Email) ([]*core.Receipt, []error) {
	var rcs []*core.Receipt
	var errs []error
	for _, e := range mails {
		rc, err := receive(ctx, e)
		rcs, errs = append(rcs, rc), append(errs, err)
		if c := core.ErrorCode(err); err != nil && c != core.EINVALID && c != core.EFORBIDDEN {
			break
		}
	}
	return rcs, errs
}

type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mailN is a customer mail to the support address.
func mailN(n int) string {
	return fmt.Sprintf(`From: Ann Customer <ann%d@customer.example>
To: support@support.example.com
Subject: printer %d
Message-ID: <m%d@customer.example>
Date: Mon, 23 Nov 2026 08:00:00 +0000
Content-Type: text/plain; charset=utf-8

The printer is on fire, case %d.
`, n, n, n, n)
}
