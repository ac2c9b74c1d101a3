package outbound

import (
	"context"
	"sync"
	"testing"
	"time"

	"helpdesk/internal/cputime"
)

// BenchmarkRelay_Send sends 2,000 messages an op from 8 senders, as the
// worker's mail lane does, through one Relay to a loopback relay that
// discards them: with connection reuse, and with a connection a message
// (MaxIdle -1); in plain SMTP, and with STARTTLS and AUTH as to a real
// smart host. The CPU is the process's, the relay's share included;
// sessions/op counts the relay's sessions (two a STARTTLS connection:
// before and after TLS).
func BenchmarkRelay_Send(b *testing.B) {
	raw, err := BuildEmail(testNotice(), testFrom, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cert := mustCert(b, "relay.test")
	for _, bc := range []struct {
		name    string
		tls     RelayTLS
		maxIdle int
	}{
		{"plain/reuse", RelayTLSNone, 0}, {"plain/fresh", RelayTLSNone, -1},
		{"starttls/reuse", RelayTLSStartTLS, 0}, {"starttls/fresh", RelayTLSStartTLS, -1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := &Relay{LocalName: "helpdesk.test", Timeout: 10 * time.Second, MaxIdle: bc.maxIdle}
			var be *smtpBackend
			if bc.tls == RelayTLSNone {
				be, r.Addr = MustStartRelay(b)
			} else {
				var tb *tlsBackend
				tb, r.Addr = mustStartTLSRelay(b, tlsServerOptions{mode: bc.tls, cert: cert, user: "helpdesk", pass: "s3cret"})
				be, r.TLS, r.TLSConfig = &tb.smtpBackend, bc.tls, mustTLSConfig(b, cert.certFile(), "", "")
				r.Username, r.Password = "helpdesk", "s3cret"
			}
			be.Discard.Store(true)
			defer r.Close()
			const perOp, senders = 2000, DefaultConcurrency
			conns, cpu := be.conns.Load(), cputime.Process()
			b.ResetTimer()
			for b.Loop() {
				sendAll(b, r, raw, perOp, senders)
			}
			msgs := float64(perOp * b.N)
			b.ReportMetric(msgs/b.Elapsed().Seconds(), "msgs/s")
			b.ReportMetric(float64((cputime.Process()-cpu).Microseconds())/msgs, "cpu-µs/msg")
			b.ReportMetric(float64(be.conns.Load()-conns)/float64(b.N), "sessions/op")
			if got := be.takenCount(); got != perOp*b.N {
				b.Fatalf("relay took %d messages, want %d", got, perOp*b.N)
			}
		})
	}
}

// sendAll sends n messages from senders goroutines.
func sendAll(b *testing.B, r *Relay, raw []byte, n, senders int) {
	next := make(chan struct{})
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for range next {
				if err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x"); err != nil {
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
