package outbound

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"helpdesk/core"
)

// stormSlack is a Slack that is down (503) while Down is set, then
// answers 429 with a Retry-After of 1–3 s to two calls in three while
// Storm calls remain, and records what it accepted.
type stormSlack struct {
	mu       sync.Mutex
	Down     bool
	Storm    int
	calls    int
	limited  int
	posts    []slackMsg
	updates  []slackMsg
	accepted int
}

func (f *stormSlack) handle(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.calls++
	if f.Down {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if f.Storm > 0 {
		f.Storm--
		if f.calls%3 != 0 {
			f.limited++
			w.Header().Set("Retry-After", strconv.Itoa(1+f.calls%3))
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
	}
	f.accepted++
	m := slackMsg{Channel: r.Form.Get("channel"), Text: r.Form.Get("text"), ThreadTS: r.Form.Get("thread_ts"),
		TS: r.Form.Get("ts")}
	w.Header().Set("Content-Type", "application/json")
	if strings.HasSuffix(r.URL.Path, "chat.update") {
		f.updates = append(f.updates, m)
	} else {
		m.TS = fmt.Sprintf("1700000000.%06d", f.accepted)
		f.posts = append(f.posts, m)
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS})
}

func (f *stormSlack) set(down bool, storm int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Down, f.Storm = down, storm
}

// TestWorker_SlackStorm: Slack is down, then rate-limits most calls with
// 429 and Retry-After; mail goes out at once all the while, and in the
// end every Slack row is delivered exactly once, each ticket's in order.
func TestWorker_SlackStorm(t *testing.T) {
	f := &stormSlack{}
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.handle)
		c.Handle("/chat.update", f.handle)
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	env := MustWorker(t, nil)
	env.w.sl = NewSlackAPI("xoxb-test", srv.GetAPIURL())
	env.w.opts.MaxAttempts = 1000 // a storm must delay rows, never kill them

	const tickets, replies = 4, 3
	var slackRows, mailRows []int64
	for n := int64(1); n <= tickets; n++ {
		p := testPost()
		p.Number = n
		slackRows = append(slackRows, env.q.add(t, core.OutboxSlackTicket, n, p, t0))
		for i := 1; i <= replies; i++ {
			r := p
			r.Text = fmt.Sprintf("reply %d.%d", n, i)
			slackRows = append(slackRows, env.q.add(t, core.OutboxSlackReply, n, r, t0))
		}
		up := p
		up.Status = "assigned"
		slackRows = append(slackRows, env.q.add(t, core.OutboxSlackUpdate, n, up, t0))
		mail := testNotice()
		mail.MessageID = fmt.Sprintf("t%d.ack@support.example.com", n)
		mailRows = append(mailRows, env.q.add(t, core.OutboxEmail, n, mail, t0))
	}

	// An outage: mail is not held up, Slack rows wait.
	f.set(true, 0)
	env.drain(t, tickets)
	for _, id := range mailRows {
		checkRow(t, env.q.row(id), "sent", 1)
	}
	for _, id := range slackRows {
		if r := env.q.row(id); r.State != "pending" {
			t.Fatalf("row %d is %s during the outage, want pending", id, r.State)
		}
	}

	// A storm of 429s, then calm: every row goes out.
	f.set(false, 60)
	for i := 0; i < 200; i++ {
		env.clock.Add(5 * time.Minute)
		if _, err := env.w.Drain(t.Context()); err != nil {
			t.Fatal(err)
		}
		done := true
		for _, id := range slackRows {
			done = done && env.q.row(id).State == "sent"
		}
		if done {
			break
		}
	}
	for _, id := range slackRows {
		if r := env.q.row(id); r.State != "sent" {
			t.Fatalf("row %d is %s after the storm (%q)", id, r.State, r.LastError)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limited == 0 {
		t.Fatal("the storm rate-limited nothing")
	}
	if got, want := len(f.posts), tickets*(1+replies); got != want {
		t.Fatalf("%d posts, want %d", got, want)
	}
	if got := len(f.updates); got != tickets {
		t.Fatalf("%d card updates, want %d", got, tickets)
	}
	// Each reply once, in its ticket's thread, in order.
	parent := map[string]string{} // ticket prefix → card ts
	last := map[string]int{}
	seen := map[string]bool{}
	for _, p := range f.posts {
		if p.ThreadTS == "" {
			num := strings.TrimPrefix(strings.Fields(p.Text)[0], "[#")
			parent[strings.TrimSuffix(num, "]")] = p.TS
			continue
		}
		i := strings.Index(p.Text, "reply ")
		if i < 0 {
			t.Fatalf("unexpected post %q", p.Text)
		}
		id := strings.Fields(p.Text[i+len("reply "):])[0]
		if seen[id] {
			t.Fatalf("reply %s posted twice", id)
		}
		seen[id] = true
		num, seq, _ := strings.Cut(id, ".")
		if p.ThreadTS != parent[num] {
			t.Errorf("reply %s in thread %s, want ticket %s's card %s", id, p.ThreadTS, num, parent[num])
		}
		k, _ := strconv.Atoi(seq)
		if k != last[num]+1 {
			t.Errorf("reply %s after reply %s.%d", id, num, last[num])
		}
		last[num] = k
	}
	if len(seen) != tickets*replies {
		t.Fatalf("%d distinct replies posted, want %d", len(seen), tickets*replies)
	}
}
