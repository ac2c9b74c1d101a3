package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/inbound/mail"
	"helpdesk/internal/demo"
	"helpdesk/store"
)

// TestOutage_RelayAndSlackDown takes the relay and Slack down for ten
// simulated minutes while customers write and agents answer: nothing is
// delivered meanwhile, and after they return everything queued is
// delivered once, in each ticket's order, within two minutes. The worker
// runs on a fake clock moved in 30-second steps; a lane that looks down
// is probed at least once a minute, and the first row through wakes the
// rest of its lane.
func TestOutage_RelayAndSlackDown(t *testing.T) {
	ctx := context.Background()
	relay, err := demo.StartFlakyRelay(0)
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	slack := demo.StartFakeSlack()
	defer slack.Close()
	var mu sync.Mutex
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }

	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "helpdesk.db")
	cfg.Mail.Relay = relay.Addr
	cfg.Slack.Token, cfg.Slack.APIURL = "xoxb-test", slack.URL()
	cfg.FillDefaults()
	app, err := gateway.NewApp(ctx, cfg, slog.New(slog.DiscardHandler), now)
	if err != nil {
		t.Fatal(err)
	}
	defer app.DB.Close()
	agent := core.Actor{Kind: core.ActorAgent, ID: "U0AGENT", Name: "Dana"}

	relay.Down.Store(true)
	slack.Down.Store(true)
	const customers = 10
	var tickets []int64
	for i := 0; i < customers; i++ {
		from := fmt.Sprintf("c%d@shop.example", i)
		first := fmt.Sprintf("<outage-%d@shop.example>", i)
		for j, raw := range []string{
			fmt.Sprintf("From: %s\r\nTo: support@support.example.com\r\nSubject: down %d\r\nMessage-ID: %s\r\n\r\nhelp\r\n", from, i, first),
			fmt.Sprintf("From: %s\r\nTo: support@support.example.com\r\nSubject: Re: down %d\r\nMessage-ID: <outage-%d-r@shop.example>\r\nIn-Reply-To: %s\r\n\r\nmore\r\n", from, i, i, first),
		} {
			e, err := mail.Parse([]byte(raw), core.Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			rc, err := app.Core.Receive(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				tickets = append(tickets, rc.Ticket)
			}
			advance(time.Second)
		}
		for k := 1; k <= 2; k++ {
			if _, err := app.Core.Act(ctx, tickets[i], agent, "reply", fmt.Sprintf("answer %d to ticket %d", k, tickets[i])); err != nil {
				t.Fatal(err)
			}
			advance(time.Second)
		}
	}

	// Ten minutes of outage.
	for step := 0; step < 20; step++ {
		advance(30 * time.Second)
		if _, err := app.Worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if order, _ := relay.Taken(); len(order) != 0 {
		t.Fatalf("the relay took %d mails while down", len(order))
	}
	if n := len(slack.Posts()); n != 0 {
		t.Fatalf("Slack took %d posts while down", n)
	}

	// Back up: drain until nothing is pending.
	relay.Down.Store(false)
	slack.Down.Store(false)
	back := now()
	for {
		advance(30 * time.Second)
		if _, err := app.Worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := app.DB.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.OutboxPending == 0 {
			if c.OutboxDead != 0 {
				t.Fatalf("%d rows dead after the outage", c.OutboxDead)
			}
			break
		}
		if now().Sub(back) > 3*time.Hour {
			t.Fatalf("%d rows still pending 3 simulated hours after the outage", c.OutboxPending)
		}
	}
	drained := now().Sub(back)
	// A lane that looks down is probed at least once a minute, and the
	// first row through wakes the rest: the queue must not wait out the
	// back-off its rows built up during the outage.
	if drained > 2*time.Minute {
		t.Errorf("drained %s after the relay and Slack came back, want within 2 minutes", drained)
	}

	// Mail: each notice once, and in each ticket's order (acknowledgment,
	// then the two answers).
	order, got := relay.Taken()
	for id, n := range got {
		if n != 1 {
			t.Errorf("mail <%s> delivered %d times", id, n)
		}
	}
	if want := customers * 3; len(order) != want {
		t.Fatalf("relay took %d mails, want %d", len(order), want)
	}
	for _, n := range tickets {
		msgs, err := app.DB.Messages(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		var answers []string
		for _, m := range msgs {
			if m.Direction == core.DirOutbound {
				answers = append(answers, m.MessageID)
			}
		}
		var got []string
		for _, id := range order {
			if strings.HasPrefix(id, fmt.Sprintf("helpdesk.t%d.", n)) {
				got = append(got, id)
			}
		}
		if len(got) != 3 || got[1] != answers[0] || got[2] != answers[1] {
			t.Errorf("ticket %d: mails in order %v, want the acknowledgment then %v", n, got, answers)
		}
	}

	// Slack: one card per ticket, posted before its thread; no post twice.
	parents := map[string]bool{}
	seen := map[string]bool{}
	for _, p := range slack.Posts() {
		key := p.ThreadTS + "|" + p.Text + "|" + p.Blocks
		if seen[key] {
			t.Errorf("Slack post delivered twice: %q", p.Text)
		}
		seen[key] = true
		if p.ThreadTS == "" {
			parents[p.TS] = true
		} else if !parents[p.ThreadTS] {
			t.Errorf("thread post before its card: %q", p.Text)
		}
	}
	if len(parents) != customers {
		t.Errorf("%d cards, want %d", len(parents), customers)
	}
	rows, err := app.DB.ListTickets(ctx, store.TicketFilter{})
	if err != nil || len(rows) != customers {
		t.Fatalf("%d tickets (%v), want %d", len(rows), err, customers)
	}
	t.Logf("outage of 10 simulated minutes: %d mails and %d Slack posts (+%d card updates) queued, all delivered once in order %s after the relay and Slack came back (30 s steps, back-off from 30 s)",
		len(order), len(slack.Posts()), len(slack.Updates()), drained)
}
