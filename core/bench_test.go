package core_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/cputime"
	"helpdesk/store"
)

func benchFixture(b *testing.B) *fixture {
	db, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	f := &fixture{db: db, now: t0}
	f.svc, err = core.NewService(db, core.Options{Domain: "support.example.com", Secret: secret,
		Departments: []core.Department{{Name: "support", Addresses: []string{"support@support.example.com"}}},
		Now:         func() time.Time { return f.now }})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// start resets the timer and returns what reports, at the end, the
// writer's cost per mail: statements (BEGIN, COMMIT and savepoints
// included) and microseconds.
// The machine may be shared: CPU time, the process's own, is steadier
// than elapsed time.
func (f *fixture) start(b *testing.B) (report func(mails int)) {
	stmts, cpu := f.db.Statements(), cputime.Process()
	b.ResetTimer()
	return func(mails int) {
		b.ReportMetric(float64(f.db.Statements()-stmts)/float64(mails), "stmts/mail")
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(mails), "µs/mail")
		b.ReportMetric(float64((cputime.Process()-cpu).Microseconds())/float64(mails), "cpu-µs/mail")
	}
}

func benchMail(i int, from string) *core.Email {
	id := fmt.Sprintf("bench-%d@client.example", i)
	return &core.Email{MessageID: id, From: core.Address{Name: "Customer", Addr: from},
		Subject: "Checkout page is blank", Text: "Since this morning the checkout shows a white page.",
		BodyHash: id, Raw: make([]byte, 3000),
		Envelope: core.Envelope{Recipients: []string{"support@support.example.com"}}}
}

// BenchmarkReceive_NewTicket: a new customer's first mail, one
// transaction each (new account, profile, ticket, message, outbox rows).
func BenchmarkReceive_NewTicket(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	report := f.start(b)
	for i := 0; i < b.N; i++ {
		if _, err := f.svc.Receive(ctx, benchMail(i, fmt.Sprintf("c%d@shop.example", i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
	report(b.N)
}

// BenchmarkReceive_Reply: replies threaded by In-Reply-To to open tickets.
func BenchmarkReceive_Reply(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	var parents []string
	for i := 0; i < 100; i++ {
		e := benchMail(-i-1, fmt.Sprintf("c%d@shop.example", i))
		if _, err := f.svc.Receive(ctx, e); err != nil {
			b.Fatal(err)
		}
		parents = append(parents, e.MessageID)
	}
	report := f.start(b)
	for i := 0; i < b.N; i++ {
		e := benchMail(i, fmt.Sprintf("c%d@shop.example", i%100))
		e.InReplyTo = []string{parents[i%100]}
		rc, err := f.svc.Receive(ctx, e)
		if err != nil || rc.Outcome != core.OutcomeReply {
			b.Fatalf("%+v %v", rc, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
	report(b.N)
}

// BenchmarkReceiveAll_NewTickets: new customers' first mails received 32
// to a transaction, each in its own savepoint, as a group commit does.
// It measures the single writer's share of SMTP intake.
func BenchmarkReceiveAll_NewTickets(b *testing.B) {
	f := benchFixture(b)
	ctx := context.Background()
	const batch = 32
	report := f.start(b)
	for i := 0; i < b.N; i++ {
		mails := make([]*core.Email, batch)
		for j := range mails {
			n := i*batch + j
			mails[j] = benchMail(n, fmt.Sprintf("c%d@shop.example", n))
		}
		if _, errs := f.svc.ReceiveAll(ctx, mails); errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "mails/s")
	report(b.N * batch)
}
