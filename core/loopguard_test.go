package core_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

// deliver marks every due outbox row sent, as the worker would, and
// returns the mails among them and the department notices' texts.
func (f *fixture) deliver(t *testing.T) (mails []core.EmailNotice, notices []string) {
	t.Helper()
	ctx := context.Background()
	due, err := f.db.Due(ctx, f.now, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range due {
		switch it.Kind {
		case core.OutboxEmail:
			var n core.EmailNotice
			if err := json.Unmarshal(it.Payload, &n); err != nil {
				t.Fatal(err)
			}
			mails = append(mails, n)
		case core.OutboxSlackNotice:
			var n core.SlackNotice
			if err := json.Unmarshal(it.Payload, &n); err != nil {
				t.Fatal(err)
			}
			notices = append(notices, n.Text)
		}
		if err := f.db.Done(ctx, it.ID, f.now, 0); err != nil {
			t.Fatal(err)
		}
	}
	return mails, notices
}

// An auto-responder that ignores RFC 3834 (no Auto-Submitted, no
// Precedence) answers every mail we send it with a new mail. The guard
// stops the loop within the hourly limit, tells the department once, and
// after an hour the address gets mail again.
func TestLoopGuard_AutoResponderWithoutHeaders(t *testing.T) {
	f := mustFixture(t)
	const robot = "robot@loop.example"
	var sent []time.Time
	var told []string

	f.mustReceive(t, mail(robot, "support@support.example.com", "Order question", "where is my order?"))
	end := t0.Add(3 * time.Hour)
	for ; f.now.Before(end); f.now = f.now.Add(time.Minute) {
		mails, notices := f.deliver(t)
		told = append(told, notices...)
		for _, m := range mails {
			if m.To.Addr != robot {
				t.Fatalf("mail to %s", m.To.Addr)
			}
			sent = append(sent, f.now)
			// The auto-responder answers each one at once, as a new mail
			// with nothing that marks it as automatic.
			f.mustReceive(t, mail(robot, "support@support.example.com", "Out of office", "I am away until Monday."))
		}
		if f.now.Equal(t0.Add(90 * time.Minute)) {
			// The customer writes again once the hour is over.
			f.mustReceive(t, mail(robot, "support@support.example.com", "Order question again", "still waiting"))
		}
	}

	for i, s := range sent {
		n := 0
		for _, o := range sent[:i+1] {
			if s.Sub(o) < time.Hour {
				n++
			}
		}
		if n > core.DefaultAutoMailLimit {
			t.Fatalf("%d mails to %s in the hour up to %s, limit %d", n, robot, s.Format(time.TimeOnly), core.DefaultAutoMailLimit)
		}
	}
	// The loop ran into the limit twice: at the start, and again when the
	// customer wrote after the hour.
	if len(sent) != 2*core.DefaultAutoMailLimit {
		t.Fatalf("%d mails sent in 3 hours, want %d (the loop stopped twice at the limit): %v", len(sent), 2*core.DefaultAutoMailLimit, sent)
	}
	if !sent[core.DefaultAutoMailLimit].After(t0.Add(90 * time.Minute)) {
		t.Errorf("mail resumed at %v, before the customer wrote again", sent[core.DefaultAutoMailLimit])
	}
	if len(told) != 2 || !strings.Contains(told[0], robot) || !strings.Contains(told[0], "automatic mails") {
		t.Fatalf("department told %q, want once per loop", told)
	}
}

// A staff answer is a person's mail: the guard lets it through, over the
// limit, and does not count it.
func TestLoopGuard_StaffAnswerGoesOut(t *testing.T) {
	f := mustFixture(t)
	f.svc = mustService(t, f, 1)
	const ann = "ann@shop.example"
	rc := f.mustReceive(t, mail(ann, "support@support.example.com", "Help", "help"))
	f.deliver(t)
	f.mustReceive(t, mail(ann, "support@support.example.com", "Other", "again")) // its ack is refused
	if mails, _ := f.deliver(t); len(mails) != 0 {
		t.Fatalf("over the limit of 1, %d mails were queued", len(mails))
	}
	if _, err := f.svc.Act(context.Background(), rc.Ticket, core.Actor{Kind: core.ActorAgent, ID: "U1", Name: "Bob"},
		"reply", "Here is the answer."); err != nil {
		t.Fatal(err)
	}
	mails, _ := f.deliver(t)
	if len(mails) != 1 || mails[0].Template != core.TemplateReply {
		t.Fatalf("staff answer over the limit: %+v, want it sent", mails)
	}
}

func mustService(t *testing.T, f *fixture, limit int) *core.Service {
	t.Helper()
	svc, err := core.NewService(f.db, core.Options{
		Domain: "support.example.com",
		Secret: secret,
		Departments: []core.Department{
			{Name: "support", Addresses: []string{"support@support.example.com"}},
		},
		AutoMailLimit: limit,
		Now:           func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
