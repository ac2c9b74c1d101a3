package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/slack-go/slack/slacktest"

	"helpdesk/core"
	"helpdesk/internal/slacklimit"
)

// ---- SMTP relay: a real go-smtp server that records what it accepts ----

type smtpMail struct {
	From string
	To   []string
	Data []byte
}

// smtpBackend accepts everything, or answers DATA with Code when it is
// set (451, 550). It counts connections; the other knobs make it refuse
// one recipient, hang up after each message, answer the next MAIL with
// 421, or discard what it takes (benchmarks).
type smtpBackend struct {
	mu         sync.Mutex
	mail       []smtpMail
	taken      int
	Code       int
	RefuseRcpt string // answered 550 at RCPT

	conns    atomic.Int64
	Discard  atomic.Bool // count mail without keeping it
	HangUp   atomic.Bool // close each connection after its message
	Mail421  atomic.Bool // answer the next MAIL 421 (once)
	mailCmds atomic.Int64
	aborted  atomic.Int64  // transactions dropped before DATA: RSET (or EHLO)
	quits    atomic.Int64  // QUIT commands
	quitc    chan struct{} // a token a QUIT
}

// waitQuits waits until the relay has read n QUITs in all, and reports
// how many it read.
func (b *smtpBackend) waitQuits(t testing.TB, n int) int64 {
	t.Helper()
	for range n {
		select {
		case <-b.quitc:
		case <-time.After(5 * time.Second):
			t.Fatalf("relay saw %d QUITs, want %d", b.quits.Load(), n)
		}
	}
	return b.quits.Load()
}

// Write sees the server's traffic both ways (smtp.Server.Debug). A
// client writes each command whole, and on loopback a read does not
// split it.
func (b *smtpBackend) Write(p []byte) (int, error) {
	for range bytes.Count(p, []byte("QUIT\r\n")) {
		b.quits.Add(1)
		select {
		case b.quitc <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.conns.Add(1)
	return &smtpSession{b: b, conn: c}, nil
}

func (b *smtpBackend) setCode(code int) { b.mu.Lock(); b.Code = code; b.mu.Unlock() }

func (b *smtpBackend) refuseRcpt(addr string) { b.mu.Lock(); b.RefuseRcpt = addr; b.mu.Unlock() }

func (b *smtpBackend) received() []smtpMail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]smtpMail(nil), b.mail...)
}

func (b *smtpBackend) takenCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.taken
}

type smtpSession struct {
	b      *smtpBackend
	conn   *smtp.Conn
	from   string
	to     []string
	data   bool // DATA ran in this transaction
	hangUp bool
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.b.mailCmds.Add(1)
	if s.b.Mail421.CompareAndSwap(true, false) {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "closing"}
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.b.mu.Lock()
	refuse := s.b.RefuseRcpt
	s.b.mu.Unlock()
	if to == refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}

// Reset runs after the reply to DATA went out, so hanging up here is a
// relay closing a connection between messages.
func (s *smtpSession) Reset() {
	if s.from != "" && !s.data {
		s.b.aborted.Add(1)
	}
	s.from, s.to, s.data = "", nil, false
	if s.hangUp {
		s.conn.Conn().Close()
	}
}

func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.data, s.hangUp = true, s.b.HangUp.Load()
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	switch {
	case s.b.Code >= 500:
		return &smtp.SMTPError{Code: s.b.Code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	case s.b.Code >= 400:
		return &smtp.SMTPError{Code: s.b.Code, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.b.taken++
	if !s.b.Discard.Load() {
		s.b.mail = append(s.b.mail, smtpMail{From: s.from, To: s.to, Data: data})
	}
	return nil
}

// MustStartRelay runs a relay on 127.0.0.1 and returns its backend and
// address.
func MustStartRelay(t testing.TB) (*smtpBackend, string) {
	t.Helper()
	be := &smtpBackend{quitc: make(chan struct{}, 1000)}
	s := smtp.NewServer(be)
	s.Domain = "relay.test"
	s.MaxLineLength = 64 << 10
	s.Debug = be
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return be, ln.Addr().String()
}

// ---- Slack: slacktest with chat.postMessage and chat.update handlers that record ----

type slackMsg struct {
	Channel, Text, ThreadTS, Blocks, TS string
}

// slackFake records posts and updates and answers posts with unique ts
// values. Fail makes it answer {"ok":false,"error":Fail}; RetryAfter
// makes it answer 429.
type slackFake struct {
	mu         sync.Mutex
	msgs       []slackMsg
	updates    []slackMsg
	n          int
	Fail       string
	RetryAfter int // seconds
	// Limits makes it refuse what Slack refuses (internal/slacklimit);
	// RefuseBlocks refuses every message with blocks, as invalid_blocks.
	Limits, RefuseBlocks bool
}

func (f *slackFake) set(fail string, retryAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Fail, f.RetryAfter = fail, retryAfter
}

func (f *slackFake) posted() []slackMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackMsg(nil), f.msgs...)
}

func (f *slackFake) updated() []slackMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackMsg(nil), f.updates...)
}

// answer parses the form and answers a failure when one is set; it
// returns false then. It is called with f.mu held.
func (f *slackFake) answer(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return false
	}
	if f.Fail != "" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": f.Fail})
		return false
	}
	blocks := r.Form.Get("blocks")
	if f.RefuseBlocks && blocks != "" && blocks != "[]" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_blocks"})
		return false
	}
	if f.Limits {
		if err := slacklimit.Check(r.Form.Get("text"), []byte(blocks)); err != nil {
			code := "invalid_blocks"
			if errors.Is(err, slacklimit.ErrTooLong) {
				code = "msg_too_long"
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
			return false
		}
	}
	return true
}

func (f *slackFake) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.answer(w, r) {
		return
	}
	f.n++
	m := slackMsg{
		Channel:  r.Form.Get("channel"),
		Text:     r.Form.Get("text"),
		ThreadTS: r.Form.Get("thread_ts"),
		Blocks:   r.Form.Get("blocks"),
		TS:       fmt.Sprintf("1700000000.%06d", f.n),
	}
	f.msgs = append(f.msgs, m)
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS})
}

// handleUpdate records a chat.update. Like Slack, it refuses a ts that
// was never posted to that channel.
func (f *slackFake) handleUpdate(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.answer(w, r) {
		return
	}
	m := slackMsg{
		Channel: r.Form.Get("channel"),
		Text:    r.Form.Get("text"),
		Blocks:  r.Form.Get("blocks"),
		TS:      r.Form.Get("ts"),
	}
	found := false
	for _, p := range f.msgs {
		found = found || (p.TS == m.TS && p.Channel == m.Channel)
	}
	if !found {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	f.updates = append(f.updates, m)
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text})
}

// MustStartSlack runs slacktest with the recording handlers and returns a
// SlackAPI pointed at it.
func MustStartSlack(t *testing.T) (*slackFake, *SlackAPI) {
	t.Helper()
	f := &slackFake{}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.handle)
		c.Handle("/chat.update", f.handleUpdate)
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	return f, NewSlackAPI("xoxb-test", srv.GetAPIURL())
}

// ---- Queue: an in-memory fake ----

type fakeRow struct {
	core.OutboxItem
	State   string // pending, sent, dead
	DoneAt  time.Time
	Retries int
	// History is each attempt's result, as Done, Retry and Dead record it.
	History []fakeAttempt
}

type fakeAttempt struct {
	At     time.Time
	Dur    time.Duration
	Result string
	Error  string
}

type fakeQueue struct {
	mu      sync.Mutex
	rows    map[int64]*fakeRow
	nextID  int64
	threads map[int64][2]string
	DoneErr error
	// DoneOK, when not zero, is how many more DoneAll calls succeed
	// before DoneErr applies.
	DoneOK int
	DueErr error
	// DoneCalls counts DoneAll calls.
	DoneCalls int
	// OnDone, when set, is called by DoneAll after the rows are marked.
	OnDone func()
}

var _ Queue = (*fakeQueue)(nil)

func newFakeQueue() *fakeQueue {
	return &fakeQueue{rows: map[int64]*fakeRow{}, threads: map[int64][2]string{}}
}

// add enqueues a row due at next and returns its id.
func (q *fakeQueue) add(t *testing.T, kind string, ticket int64, payload any, next time.Time) int64 {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	q.rows[q.nextID] = &fakeRow{OutboxItem: core.OutboxItem{
		ID: q.nextID, Kind: kind, Lane: core.LaneOf(kind), Ticket: ticket, Payload: b, NextAttempt: next, CreatedAt: next,
	}, State: "pending"}
	return q.nextID
}

func (q *fakeQueue) row(id int64) fakeRow {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.rows[id]
}

func (q *fakeQueue) Due(_ context.Context, now time.Time, limit int) ([]core.OutboxItem, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.DueErr != nil {
		return nil, q.DueErr
	}
	var items []core.OutboxItem
	for _, r := range q.rows {
		if r.State == "pending" && !r.NextAttempt.After(now) {
			items = append(items, r.OutboxItem)
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	if len(items) > limit {
		items = items[:limit]
	}
	return items, nil
}

// Wake makes the lane's retried rows due at once, as the store does.
func (q *fakeQueue) Wake(_ context.Context, lane core.Lane) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range q.rows {
		if r.State == "pending" && r.Attempts > 0 && laneOf(r.OutboxItem) == lane {
			r.NextAttempt = time.Time{}
		}
	}
	return nil
}

// MarkSent marks a pending row sent, as the store does.
func (q *fakeQueue) MarkSent(_ context.Context, s core.OutboxSent, kind string) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r, ok := q.rows[s.ID]
	if !ok || r.State != "pending" || r.Ticket != s.Ticket || r.Kind != kind {
		return false, nil
	}
	r.State, r.Attempts = "sent", r.Attempts+1
	if s.SlackTS != "" {
		q.threads[s.Ticket] = [2]string{s.SlackChannel, s.SlackTS}
	}
	return true, nil
}

func (q *fakeQueue) get(id int64) (*fakeRow, error) {
	r, ok := q.rows[id]
	if !ok {
		return nil, core.Errorf(core.ENOTFOUND, "row not found")
	}
	if r.State != "pending" {
		return nil, errors.New("row is not pending")
	}
	return r, nil
}

func (q *fakeQueue) Done(_ context.Context, id int64, at time.Time, dur time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.DoneErr != nil {
		return q.DoneErr
	}
	r, err := q.get(id)
	if err != nil {
		return err
	}
	r.State, r.DoneAt, r.LastError = "sent", at, ""
	r.History = append(r.History, fakeAttempt{at, dur, "sent", ""})
	r.Attempts++
	return nil
}

// DoneAll marks the rows sent as Done does, all or none, and counts the
// calls: each is one transaction in the store.
func (q *fakeQueue) DoneAll(_ context.Context, rows []core.OutboxSent) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.DoneCalls++
	if q.DoneOK > 0 {
		q.DoneOK--
	} else if q.DoneErr != nil {
		return q.DoneErr
	}
	for _, s := range rows {
		if _, err := q.get(s.ID); err != nil {
			return err
		}
	}
	for _, s := range rows {
		if s.SlackTS != "" {
			q.threads[s.Ticket] = [2]string{s.SlackChannel, s.SlackTS}
		}
		r := q.rows[s.ID]
		r.State, r.DoneAt, r.LastError = "sent", s.At, ""
		r.History = append(r.History, fakeAttempt{s.At, s.Duration, "sent", ""})
		r.Attempts++
	}
	if q.OnDone != nil {
		q.OnDone()
	}
	return nil
}

func (q *fakeQueue) Retry(_ context.Context, id int64, at, next time.Time, dur time.Duration, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	r, err := q.get(id)
	if err != nil {
		return err
	}
	r.Attempts++
	r.Retries++
	r.NextAttempt, r.LastError = next, errText
	r.History = append(r.History, fakeAttempt{at, dur, "retry", errText})
	return nil
}

func (q *fakeQueue) Dead(_ context.Context, id int64, at time.Time, dur time.Duration, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	r, err := q.get(id)
	if err != nil {
		return err
	}
	r.Attempts++
	r.State, r.DoneAt, r.LastError = "dead", at, errText
	r.History = append(r.History, fakeAttempt{at, dur, "dead", errText})
	return nil
}

func (q *fakeQueue) SlackThread(_ context.Context, ticket int64) (string, string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	th := q.threads[ticket]
	return th[0], th[1], nil
}

// cardQueue is a fakeQueue that tells whether a ticket's card row is
// pending (CardQueue), as the store does.
type cardQueue struct{ *fakeQueue }

var _ CardQueue = cardQueue{}

func (q cardQueue) CardPending(_ context.Context, ticket int64) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range q.rows {
		if r.Ticket == ticket && r.Kind == core.OutboxSlackTicket && r.State == "pending" {
			return true, nil
		}
	}
	return false, nil
}

func (q *fakeQueue) SetSlackThread(_ context.Context, ticket int64, channel, ts string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.threads[ticket] = [2]string{channel, ts}
	return nil
}

// ---- clock ----

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// claimQueue is a fakeQueue whose rows are claimed (ClaimQueue), as the
// store's are on PostgreSQL; onRenew sees each renewal's ids.
type claimQueue struct {
	*fakeQueue
	onRenew func(ids []int64)
}

var _ ClaimQueue = claimQueue{}

func (q claimQueue) RenewClaims(_ context.Context, ids []int64) error {
	q.onRenew(slices.Clone(ids))
	return nil
}
