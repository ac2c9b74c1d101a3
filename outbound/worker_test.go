package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

type workerEnv struct {
	q     *fakeQueue
	clock *fakeClock
	relay *smtpBackend
	slack *slackFake
	w     *Worker
	logs  *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the worker's goroutine and the
// test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// MustWorker wires a worker to a fake queue, a real SMTP relay and a
// slacktest server, with a fixed clock and no jitter (Rand = 0.5).
func MustWorker(t *testing.T, edit func(*Options, *Mailer)) *workerEnv {
	t.Helper()
	env := &workerEnv{q: newFakeQueue(), clock: &fakeClock{t: t0}, logs: &syncBuffer{}}
	var addr string
	env.relay, addr = MustStartRelay(t)
	var s *SlackAPI
	env.slack, s = MustStartSlack(t)
	opts := Options{
		From:     testFrom,
		Channels: map[string]string{"support": "C0SUPPORT"},
		Now:      env.clock.Now,
		Logger:   slog.New(slog.NewTextHandler(io.MultiWriter(env.logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Rand:     func() float64 { return 0.5 },
	}
	var m Mailer = &Relay{Addr: addr, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&opts, &m)
	}
	env.w = NewWorker(env.q, m, s, opts)
	return env
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (env *workerEnv) drain(t *testing.T, wantSent int) {
	t.Helper()
	sent, err := env.w.Drain(context.Background())
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if sent != wantSent {
		t.Fatalf("Drain sent %d, want %d", sent, wantSent)
	}
}

func checkRow(t *testing.T, r fakeRow, state string, attempts int) {
	t.Helper()
	if r.State != state || r.Attempts != attempts {
		t.Fatalf("row %d: state %s attempts %d (last error %q), want %s %d", r.ID, r.State, r.Attempts, r.LastError, state, attempts)
	}
}

func TestWorker_Email(t *testing.T) {
	env := MustWorker(t, nil)
	id := env.q.add(t, core.OutboxEmail, 1042, testNotice(), t0)
	env.drain(t, 1)
	checkRow(t, env.q.row(id), "sent", 1)

	got := env.relay.received()
	if len(got) != 1 {
		t.Fatalf("relay got %d mails", len(got))
	}
	if got[0].From != testFrom.Addr || strings.Join(got[0].To, ",") != "ann@customer.test" {
		t.Errorf("envelope %s -> %v", got[0].From, got[0].To)
	}
	p := MustParse(t, got[0].Data)
	if d, _ := p.h.Date(); !d.Equal(t0) {
		t.Errorf("Date = %v, want the clock's %v", d, t0)
	}
	if id, _ := p.h.MessageID(); id != testNotice().MessageID {
		t.Errorf("Message-ID = %q", id)
	}
	env.drain(t, 0) // nothing left
}

func TestWorker_EmailTemporaryFailure(t *testing.T) {
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.Rand = nil }) // real jitter
	env.relay.setCode(451)
	id := env.q.add(t, core.OutboxEmail, 1042, testNotice(), t0)
	env.drain(t, 0)
	r := env.q.row(id)
	checkRow(t, r, "pending", 1)
	if lo, hi := t0.Add(24*time.Second), t0.Add(36*time.Second); r.NextAttempt.Before(lo) || r.NextAttempt.After(hi) {
		t.Errorf("next attempt %v, want in [%v, %v]", r.NextAttempt, lo, hi)
	}
	if !strings.Contains(r.LastError, "451") {
		t.Errorf("last error = %q", r.LastError)
	}

	// Not due yet: nothing happens.
	env.drain(t, 0)
	checkRow(t, env.q.row(id), "pending", 1)

	env.relay.setCode(0)
	env.clock.Add(time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(id), "sent", 2)
}

func TestWorker_EmailPermanentFailure(t *testing.T) {
	env := MustWorker(t, nil)
	env.relay.setCode(550)
	id := env.q.add(t, core.OutboxEmail, 1042, testNotice(), t0)
	env.drain(t, 0)
	r := env.q.row(id)
	checkRow(t, r, "dead", 1)
	if !strings.Contains(r.LastError, "550") {
		t.Errorf("last error = %q", r.LastError)
	}
}

func TestWorker_MaxAttempts(t *testing.T) {
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.MaxAttempts = 3 })
	env.relay.setCode(451)
	id := env.q.add(t, core.OutboxEmail, 1042, testNotice(), t0)
	for i := 1; i <= 2; i++ {
		env.drain(t, 0)
		checkRow(t, env.q.row(id), "pending", i)
		env.clock.Add(2 * time.Hour)
	}
	env.drain(t, 0)
	r := env.q.row(id)
	checkRow(t, r, "dead", 3)
	if !strings.Contains(r.LastError, "gave up after 3 attempts") {
		t.Errorf("last error = %q", r.LastError)
	}
}

func TestWorker_BadPayload(t *testing.T) {
	env := MustWorker(t, nil)
	bad := env.q.add(t, core.OutboxEmail, 1, "not an object", t0)
	unknown := env.q.add(t, "fax", 2, map[string]string{}, t0)
	noChannel := env.q.add(t, core.OutboxSlackTicket, 3, core.SlackPost{Department: "legal", Number: 3}, t0)
	env.drain(t, 0)
	checkRow(t, env.q.row(bad), "dead", 1)
	checkRow(t, env.q.row(unknown), "dead", 1)
	r := env.q.row(noChannel)
	checkRow(t, r, "dead", 1)
	if !strings.Contains(r.LastError, `no Slack channel for department "legal"`) {
		t.Errorf("last error = %q", r.LastError)
	}
}

func TestWorker_SlackThread(t *testing.T) {
	env := MustWorker(t, nil)
	parent := testPost()
	parent.Subject = "<!channel> help"
	reply := testPost()
	reply.Text = "more <!channel>"
	pid := env.q.add(t, core.OutboxSlackTicket, 1042, parent, t0)
	rid := env.q.add(t, core.OutboxSlackReply, 1042, reply, t0)
	env.drain(t, 2)
	checkRow(t, env.q.row(pid), "sent", 1)
	checkRow(t, env.q.row(rid), "sent", 1)

	msgs := env.slack.posted()
	if len(msgs) != 2 {
		t.Fatalf("%d posts, want 2", len(msgs))
	}
	if msgs[0].ThreadTS != "" || msgs[1].ThreadTS != msgs[0].TS || msgs[1].Channel != "C0SUPPORT" {
		t.Errorf("parent ts %q, reply thread_ts %q in %q", msgs[0].TS, msgs[1].ThreadTS, msgs[1].Channel)
	}
	if ch, ts, _ := env.q.SlackThread(context.Background(), 1042); ch != "C0SUPPORT" || ts != msgs[0].TS {
		t.Errorf("thread recorded as %q %q", ch, ts)
	}
	for _, m := range msgs {
		var blocks any
		if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil {
			t.Fatal(err)
		}
		all := m.Text + " " + jsonStrings(blocks)
		if strings.Contains(all, "<!channel>") || !strings.Contains(all, "&lt;!channel&gt;") {
			t.Errorf("unescaped mention in %s", all)
		}
	}
}

func TestWorker_SlackReplyWaitsForParent(t *testing.T) {
	env := MustWorker(t, nil)
	rid := env.q.add(t, core.OutboxSlackReply, 7, testPost(), t0)
	env.drain(t, 0)
	r := env.q.row(rid)
	checkRow(t, r, "pending", 1)
	if !strings.Contains(r.LastError, "waiting for the ticket's Slack parent") {
		t.Errorf("last error = %q", r.LastError)
	}
	if !r.NextAttempt.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("next attempt %v", r.NextAttempt)
	}
	if n := len(env.slack.posted()); n != 0 {
		t.Fatalf("%d posts before the parent", n)
	}

	// The parent is written later (a larger ID). The waiting reply holds
	// back the ticket's other replies, but not the parent it waits for.
	pid := env.q.add(t, core.OutboxSlackTicket, 7, testPost(), t0)
	env.clock.Add(time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(pid), "sent", 1)
	checkRow(t, env.q.row(rid), "pending", 2)

	env.clock.Add(2 * time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(rid), "sent", 3)
	msgs := env.slack.posted()
	if len(msgs) != 2 || msgs[0].ThreadTS != "" || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("posts %+v", msgs)
	}
}

func TestWorker_PerTicketOrder(t *testing.T) {
	env := MustWorker(t, nil)
	env.slack.set("", 120) // 429, Retry-After: 120
	parent := env.q.add(t, core.OutboxSlackTicket, 1, testPost(), t0)
	reply := env.q.add(t, core.OutboxSlackReply, 1, testPost(), t0)
	mail1 := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	other := testNotice()
	other.MessageID = "t2.ack@support.example.com"
	mail2 := env.q.add(t, core.OutboxEmail, 2, other, t0)

	// Slack slowing down holds back ticket 1's Slack rows, not its mail.
	env.drain(t, 2)
	r := env.q.row(parent)
	checkRow(t, r, "pending", 1)
	if !r.NextAttempt.Equal(t0.Add(120 * time.Second)) {
		t.Errorf("429: next attempt %v, want Retry-After (120s) from now", r.NextAttempt)
	}
	checkRow(t, env.q.row(reply), "pending", 0)
	checkRow(t, env.q.row(mail1), "sent", 1)
	checkRow(t, env.q.row(mail2), "sent", 1)

	// The reply is due, but must not overtake the parent.
	env.slack.set("", 0)
	env.clock.Add(time.Minute)
	env.drain(t, 0)
	checkRow(t, env.q.row(reply), "pending", 0)

	env.clock.Add(time.Minute)
	env.drain(t, 2)
	for _, id := range []int64{parent, reply} {
		if r := env.q.row(id); r.State != "sent" {
			t.Errorf("row %d: %s", id, r.State)
		}
	}
	if got := len(env.relay.received()); got != 2 {
		t.Errorf("relay got %d mails, want 2", got)
	}
	msgs := env.slack.posted()
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("posts %+v", msgs)
	}
}

// A relay that answers 451 holds back the ticket's later mail, and only
// its mail: the card, its updates, thread replies and notices go out.
func TestWorker_LanesMailDoesNotHoldSlack(t *testing.T) {
	env := MustWorker(t, nil)
	env.relay.setCode(451)
	ack := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	parent := env.q.add(t, core.OutboxSlackTicket, 1, testPost(), t0)
	status := testNotice()
	status.MessageID, status.Template, status.Data.Status = "t1042.status.2@support.example.com", core.TemplateStatus, "assigned"
	mail2 := env.q.add(t, core.OutboxEmail, 1, status, t0)
	up := testPost()
	up.Status, up.Assignee = "assigned", "U0BOB"
	update := env.q.add(t, core.OutboxSlackUpdate, 1, up, t0)
	ev := testPost()
	ev.Event, ev.Text = "assigned to Bob", ""
	event := env.q.add(t, core.OutboxSlackReply, 1, ev, t0)
	notice := env.q.add(t, core.OutboxSlackNotice, 1, core.SlackNotice{Department: "support", Number: 1042, Text: "SLA at risk", InThread: true}, t0)

	env.drain(t, 4)
	checkRow(t, env.q.row(ack), "pending", 1)
	checkRow(t, env.q.row(mail2), "pending", 0) // behind the ack
	for _, id := range []int64{parent, update, event, notice} {
		checkRow(t, env.q.row(id), "sent", 1)
	}
	if n := len(env.slack.posted()); n != 3 {
		t.Errorf("%d posts, want card, event and notice", n)
	}
	if n := len(env.slack.updated()); n != 1 {
		t.Errorf("%d updates, want 1", n)
	}

	// Once the relay is back, the mail goes out in order.
	env.relay.setCode(0)
	env.clock.Add(time.Minute)
	env.drain(t, 2)
	got := env.relay.received()
	if len(got) != 2 || !bytes.Contains(got[0].Data, []byte("t1042.ack.1@")) || !bytes.Contains(got[1].Data, []byte("t1042.status.2@")) {
		t.Fatalf("relay got %d mails, want the ack then the status", len(got))
	}
}

func TestWorker_SlackUpdate(t *testing.T) {
	env := MustWorker(t, nil)
	pid := env.q.add(t, core.OutboxSlackTicket, 1042, testPost(), t0)
	env.drain(t, 1)
	checkRow(t, env.q.row(pid), "sent", 1)
	parent := env.slack.posted()[0]

	// The card is updated where it was posted, even if the department's
	// channel has changed since.
	env.w.opts.Channels["support"] = "C0MOVED"
	p := testPost()
	p.Status, p.Priority, p.HotRush, p.Assignee, p.Solved = "in_progress", "major", true, "U0BOB", true
	p.SLADue, p.SLAState = &slaDueTime, "at_risk"
	uid := env.q.add(t, core.OutboxSlackUpdate, 1042, p, t0)
	env.drain(t, 1)
	checkRow(t, env.q.row(uid), "sent", 1)

	ups := env.slack.updated()
	if len(ups) != 1 || ups[0].TS != parent.TS || ups[0].Channel != "C0SUPPORT" {
		t.Fatalf("updates %+v, want one of %s in C0SUPPORT", ups, parent.TS)
	}
	if n := len(env.slack.posted()); n != 1 {
		t.Errorf("%d posts, want only the card", n)
	}
	checkHas(t, "updated card", allText(t, ups[0]),
		"*Status*\nin_progress (solved)", "*Priority*\nmajor", "🔥", "*Assignee*\n<@U0BOB>",
		fmt.Sprintf("<!date^%d^", slaDueTime.Unix()), "⚠️ at risk", "✅ solved")
	if ch, ts, _ := env.q.SlackThread(context.Background(), 1042); ch != "C0SUPPORT" || ts != parent.TS {
		t.Errorf("thread changed to %q %q", ch, ts)
	}
}

func TestWorker_SlackUpdateWaitsForParent(t *testing.T) {
	env := MustWorker(t, nil)
	up := testPost()
	up.Status = "assigned"
	uid := env.q.add(t, core.OutboxSlackUpdate, 7, up, t0)
	env.drain(t, 0)
	r := env.q.row(uid)
	checkRow(t, r, "pending", 1)
	if !strings.Contains(r.LastError, "waiting for the ticket's Slack parent") {
		t.Errorf("last error = %q", r.LastError)
	}
	if n := len(env.slack.updated()) + len(env.slack.posted()); n != 0 {
		t.Fatalf("%d calls before the parent", n)
	}

	// The parent, written later, is not held back by the waiting update.
	pid := env.q.add(t, core.OutboxSlackTicket, 7, testPost(), t0)
	env.clock.Add(time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(pid), "sent", 1)
	checkRow(t, env.q.row(uid), "pending", 2)

	env.clock.Add(2 * time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(uid), "sent", 3)
	ups := env.slack.updated()
	if len(ups) != 1 || ups[0].TS != env.slack.posted()[0].TS {
		t.Fatalf("updates %+v", ups)
	}
	checkHas(t, "updated card", allText(t, ups[0]), "*Status*\nassigned")
}

func TestWorker_SlackNotice(t *testing.T) {
	env := MustWorker(t, func(o *Options, _ *Mailer) { o.Channels["billing"] = "C0BILLING" })
	n := core.SlackNotice{
		Department: "billing", Number: 1042, Text: "Bounce from <!channel>@customer.test",
		Mention: []string{"U0HEAD", "<!here>", "U0SECOND"},
	}
	id := env.q.add(t, core.OutboxSlackNotice, 1042, n, t0)
	none := env.q.add(t, core.OutboxSlackNotice, 0, core.SlackNotice{Department: "support", Text: "Relay down"}, t0)
	// In-thread but for no ticket: posted in the channel.
	orphan := env.q.add(t, core.OutboxSlackNotice, 0, core.SlackNotice{Department: "support", Text: "orphan", InThread: true}, t0)
	env.drain(t, 3)
	for _, id := range []int64{id, none, orphan} {
		checkRow(t, env.q.row(id), "sent", 1)
	}
	msgs := env.slack.posted()
	if len(msgs) != 3 {
		t.Fatalf("%d posts, want 3", len(msgs))
	}
	// Rows of different tickets go out concurrently, in any order.
	slices.SortFunc(msgs, func(a, b slackMsg) int { return strings.Compare(a.Channel+a.Text, b.Channel+b.Text) })
	want := "<@U0HEAD> <@U0SECOND> Bounce from &lt;!channel&gt;@customer.test"
	if m := msgs[0]; m.Channel != "C0BILLING" || m.ThreadTS != "" || m.Text != want {
		t.Errorf("notice %+v, want %q in C0BILLING", m, want)
	}
	if m := msgs[1]; m.Channel != "C0SUPPORT" || m.Text != "Relay down" {
		t.Errorf("notice %+v", m)
	}
	if m := msgs[2]; m.Channel != "C0SUPPORT" || m.ThreadTS != "" || m.Text != "orphan" {
		t.Errorf("notice %+v", m)
	}
	if !strings.Contains(env.logs.String(), "has no ticket") {
		t.Error("orphan in-thread notice not logged")
	}
}

func TestWorker_SlackNoticeInThread(t *testing.T) {
	env := MustWorker(t, nil)
	n := core.SlackNotice{Department: "support", Number: 1042, Text: "Rated 1: <!channel> useless", Mention: []string{"U0HEAD"}, InThread: true}
	nid := env.q.add(t, core.OutboxSlackNotice, 1042, n, t0)
	env.drain(t, 0)
	r := env.q.row(nid)
	checkRow(t, r, "pending", 1)
	if !strings.Contains(r.LastError, "waiting for the ticket's Slack parent") {
		t.Errorf("last error = %q", r.LastError)
	}

	pid := env.q.add(t, core.OutboxSlackTicket, 1042, testPost(), t0)
	env.clock.Add(time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(pid), "sent", 1)
	env.clock.Add(2 * time.Minute)
	env.drain(t, 1)
	checkRow(t, env.q.row(nid), "sent", 3)

	msgs := env.slack.posted()
	if len(msgs) != 2 {
		t.Fatalf("%d posts", len(msgs))
	}
	if m := msgs[1]; m.ThreadTS != msgs[0].TS || m.Channel != "C0SUPPORT" || m.Text != "<@U0HEAD> Rated 1: &lt;!channel&gt; useless" {
		t.Errorf("notice %+v, want it in the thread %s", m, msgs[0].TS)
	}
}

func TestWorker_SlackNoticeErrors(t *testing.T) {
	env := MustWorker(t, nil)
	unknown := env.q.add(t, core.OutboxSlackNotice, 1, core.SlackNotice{Department: "legal", Text: "x"}, t0)
	// An unknown department is dead even in a thread that exists.
	env.q.SetSlackThread(context.Background(), 2, "C0SUPPORT", "1699999999.000001")
	unknownThread := env.q.add(t, core.OutboxSlackNotice, 2, core.SlackNotice{Department: "legal", Text: "x", InThread: true}, t0)
	bad := env.q.add(t, core.OutboxSlackNotice, 3, "not an object", t0)
	badUpdate := env.q.add(t, core.OutboxSlackUpdate, 4, []int{1}, t0)
	env.drain(t, 0)
	for _, id := range []int64{unknown, unknownThread} {
		r := env.q.row(id)
		checkRow(t, r, "dead", 1)
		if !strings.Contains(r.LastError, `no Slack channel for department "legal"`) {
			t.Errorf("last error = %q", r.LastError)
		}
	}
	checkRow(t, env.q.row(bad), "dead", 1)
	checkRow(t, env.q.row(badUpdate), "dead", 1)
	if n := len(env.slack.posted()); n != 0 {
		t.Errorf("%d posts", n)
	}
}

func TestWorker_ParentPostedOnce(t *testing.T) {
	env := MustWorker(t, nil)
	env.q.SetSlackThread(context.Background(), 5, "C0SUPPORT", "1699999999.000001")
	id := env.q.add(t, core.OutboxSlackTicket, 5, testPost(), t0)
	env.drain(t, 1)
	checkRow(t, env.q.row(id), "sent", 1)
	if n := len(env.slack.posted()); n != 0 {
		t.Fatalf("parent posted again (%d posts)", n)
	}
}

// panicMailer panics on its first Send and then delegates.
type panicMailer struct {
	Mailer
	once sync.Once
}

func (m *panicMailer) Send(ctx context.Context, from string, to []string, msg []byte, id string) error {
	m.once.Do(func() { panic("boom") })
	return m.Mailer.Send(ctx, from, to, msg, id)
}

func TestWorker_PanicIsRecovered(t *testing.T) {
	env := MustWorker(t, func(_ *Options, m *Mailer) { *m = &panicMailer{Mailer: *m} })
	first := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	other := testNotice()
	other.MessageID = "t2.ack@support.example.com"
	second := env.q.add(t, core.OutboxEmail, 2, other, t0)
	env.drain(t, 1)
	r := env.q.row(first)
	checkRow(t, r, "pending", 1)
	if !strings.Contains(r.LastError, "panic: boom") {
		t.Errorf("last error = %q", r.LastError)
	}
	checkRow(t, env.q.row(second), "sent", 1)
	if !strings.Contains(env.logs.String(), "panic while sending") {
		t.Error("panic not logged")
	}
}

func TestWorker_DoneFailsAfterSend(t *testing.T) {
	dir := Dir(t.TempDir())
	env := MustWorker(t, func(_ *Options, m *Mailer) { *m = dir })
	env.q.DoneErr = errors.New("database is locked")
	id := env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	_, err := env.w.Drain(context.Background())
	if err == nil || !strings.Contains(err.Error(), "WAS SENT") {
		t.Fatalf("Drain: %v, want an error saying the mail was sent", err)
	}
	checkRow(t, env.q.row(id), "pending", 0)

	// The resend writes the same file: the Message-ID is part of the row.
	env.q.DoneErr = nil
	env.drain(t, 1)
	files, _ := readDir(string(dir))
	if len(files) != 1 {
		t.Fatalf("files %v, want one", files)
	}
}

func TestWorker_RunStopsOnCancel(t *testing.T) {
	sent := make(chan string, 10)
	env := MustWorker(t, func(o *Options, m *Mailer) {
		o.PollInterval = time.Hour // only Kick can start a pass
		*m = notifyMailer{Mailer: *m, sent: sent}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.w.Run(ctx) }()

	// The first pass runs at start; a row added later needs a Kick.
	env.q.add(t, core.OutboxEmail, 1, testNotice(), t0)
	env.w.Kick()
	select {
	case id := <-sent:
		if id != testNotice().MessageID {
			t.Errorf("sent %q", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Kick did not start a pass")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
}

type notifyMailer struct {
	Mailer
	sent chan<- string
}

func (m notifyMailer) Send(ctx context.Context, from string, to []string, msg []byte, id string) error {
	err := m.Mailer.Send(ctx, from, to, msg, id)
	if err == nil {
		m.sent <- id
	}
	return err
}

func TestWorker_DueFails(t *testing.T) {
	env := MustWorker(t, nil)
	env.q.DueErr = errors.New("disk I/O error")
	if _, err := env.w.Drain(context.Background()); err == nil || !strings.Contains(err.Error(), "disk I/O error") {
		t.Fatalf("Drain: %v", err)
	}
}
