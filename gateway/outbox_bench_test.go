package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/inbound/mail"
	"helpdesk/internal/bench"
	"helpdesk/internal/cputime"
	"helpdesk/internal/demo"
	"helpdesk/outbound"
)

// BenchmarkOutbox_Drain measures the outbox worker alone, as serve
// builds it: each op stores 1,000 of the load bench's new tickets (not
// timed), then drains the rows core wrote for them (an acknowledgment
// mail and a Slack card each, the cards to the log as without Slack) to
// a null relay on loopback. CPU is the process's, the relay's share
// included, as in helpdesk bench. "wire" is the baseline of the same
// run: as many mails of the same size sent straight through
// outbound.Relay from the worker's number of senders, the floor of a
// row's cost.
func BenchmarkOutbox_Drain(b *testing.B) {
	ctx := context.Background()
	relay, err := demo.StartNullSMTP()
	if err != nil {
		b.Fatal(err)
	}
	defer relay.Close()
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(b.TempDir(), "helpdesk.db")
	cfg.Mail.Relay = relay.Addr
	cfg.FillDefaults()
	app, err := gateway.NewApp(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer app.DB.Close()
	const perOp = 1000
	next := 0
	b.Run("worker", func(b *testing.B) {
		var cpu, rows int64
		var elapsed time.Duration
		for b.Loop() {
			b.StopTimer()
			storeTickets(b, app.Core, next, perOp)
			next += perOp
			b.StartTimer()
			start, c := time.Now(), cputime.Process()
			sent, err := app.Worker.Drain(ctx)
			if err != nil {
				b.Fatal(err)
			}
			cpu += int64(cputime.Process() - c)
			elapsed += time.Since(start)
			rows += int64(sent)
		}
		if rows < 2*perOp*int64(b.N) {
			b.Fatalf("sent %d rows for %d tickets", rows, perOp*b.N)
		}
		b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(time.Duration(cpu).Microseconds())/float64(perOp*b.N), "cpu-µs/ticket")
	})
	b.Run("wire", func(b *testing.B) {
		r := &outbound.Relay{Addr: relay.Addr, LocalName: "helpdesk.test", Timeout: 10 * time.Second}
		defer r.Close()
		_, raw := bench.NewTicketMail(0)
		msg := []byte(raw + fmt.Sprintf("%*s\r\n", 2500, "")) // about an acknowledgment's size
		var cpu int64
		for b.Loop() {
			c := cputime.Process()
			sendMails(b, r, msg, perOp, outbound.DefaultConcurrency)
			cpu += int64(cputime.Process() - c)
		}
		b.ReportMetric(float64(time.Duration(cpu).Microseconds())/float64(perOp*b.N), "cpu-µs/mail")
	})
}

// storeTickets stores n of the load bench's new tickets, from the
// first-th on, 32 to a transaction as the group commit does under load.
func storeTickets(b *testing.B, svc *core.Service, first, n int) {
	for i := first; i < first+n; i += 32 {
		var mails []*core.Email
		for j := i; j < min(i+32, first+n); j++ {
			from, raw := bench.NewTicketMail(j)
			e, err := mail.Parse([]byte(raw), core.Envelope{Sender: from, Recipients: []string{"support@support.example.com"}})
			if err != nil {
				b.Fatal(err)
			}
			mails = append(mails, e)
		}
		if _, errs := svc.ReceiveAll(context.Background(), mails); errs[0] != nil {
			b.Fatal(errs[0])
		}
	}
}

// sendMails sends msg n times from senders goroutines.
func sendMails(b *testing.B, r *outbound.Relay, msg []byte, n, senders int) {
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range next {
				if err := r.Send(context.Background(), "helpdesk@support.example.com", []string{"ann@shop.example"}, msg, ""); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for range n {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
}
