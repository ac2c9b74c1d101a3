// Package bench is the SMTP load generator of `helpdesk bench`: the same
// load against a null go-smtp server and against a gateway run in-process
// on a fresh database, and a synthetic database for measuring serve.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/gateway"
	"helpdesk/internal/demo"
	"helpdesk/internal/dnstest"
	"helpdesk/internal/smtpsend"
	"helpdesk/store"
)

// Generate writes a large synthetic database of n tickets at path, which
// must not exist yet, to measure serve's memory and sweep on it. It
// returns how long writing the tickets took.
func Generate(ctx context.Context, path string, n int) (time.Duration, error) {
	if _, err := os.Stat(path); err == nil {
		return 0, fmt.Errorf("bench: %s exists; -generate writes a new database", path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	start := time.Now()
	err = db.Generate(ctx, n, time.Now().UTC())
	return time.Since(start), err
}

// LoadResult is one load run; Rate is its accepted mails a second.
type LoadResult struct {
	Name     string
	Sent     int
	Accepted int
	Refused  int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r LoadResult) Rate() float64 { return float64(r.Accepted) / r.Elapsed.Seconds() }

type Result struct {
	N, Conns int
	Null     LoadResult
	GatewayResult
	DB string
	// Postgres is the same gateway loads on PostgreSQL, when asked for.
	Postgres *GatewayResult
}

// GatewayResult is the gateway's loads on one database.
type GatewayResult struct {
	New, Reply   LoadResult
	Stored       int           // inbound messages in the store afterwards
	OutboxFinish time.Duration // until every notification was written
}

// Run runs the loads of `helpdesk bench`, n mails each over conns
// SMTP connections, against a null server and then the gateway on a new
// SQLite database, and then, when pgDSN is set, on the empty PostgreSQL
// database there. profile(phase) is called as the gateway's "new" and
// "reply" loads start on SQLite; the function it returns, as they end.
func Run(ctx context.Context, n, conns int, keep bool, pgDSN string, stderr io.Writer, profile func(phase string) func()) (*Result, error) {
	res := &Result{N: n, Conns: conns}
	null, err := demo.StartNullSMTP()
	if err != nil {
		return nil, err
	}
	defer null.Close()
	newMail := NewTicketMail
	res.Null = loadSMTP("null go-smtp server", null.Addr, n, conns, newMail)

	dir, err := os.MkdirTemp("", "helpdesk-bench-")
	if err != nil {
		return nil, err
	}
	if !keep {
		defer os.RemoveAll(dir)
	} else {
		res.DB = filepath.Join(dir, "helpdesk.db")
	}
	g, err := loadGateway(ctx, n, conns, filepath.Join(dir, "helpdesk.db"), "", newMail, stderr, profile)
	if err != nil {
		return res, err
	}
	res.GatewayResult = *g
	if pgDSN != "" {
		pgDir, err := os.MkdirTemp("", "helpdesk-bench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(pgDir)
		none := func(string) func() { return func() {} }
		if res.Postgres, err = loadGateway(ctx, n, conns, filepath.Join(pgDir, "helpdesk.db"), pgDSN, newMail, stderr, none); err != nil {
			return res, fmt.Errorf("bench on postgres: %w", err)
		}
	}
	return res, nil
}

// loadGateway runs a gateway in-process on a new database (SQLite at
// path, or PostgreSQL at pgDSN with path for its own files) and sends it
// n new tickets and then n replies.
func loadGateway(ctx context.Context, n, conns int, path, pgDSN string, newMail func(int) (string, string),
	stderr io.Writer, profile func(phase string) func()) (*GatewayResult, error) {
	res := &GatewayResult{}
	label := "gateway"
	if pgDSN != "" {
		label = "postgres gateway"
	}
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = path
	if pgDSN != "" {
		cfg.Store.Driver, cfg.Store.DSN = "postgres", pgDSN
	}
	// Notifications go to a relay, as in production: a second null
	// server, so the figure is the gateway's and not the relay's.
	relay, err := demo.StartNullSMTP()
	if err != nil {
		return nil, err
	}
	defer relay.Close()
	cfg.Mail.Relay = relay.Addr
	// Senders are checked against a DNS server on loopback that knows no
	// names, so the figure includes the check but not the internet's DNS.
	dns, err := dnstest.NewServer(nil, dnstest.Options{})
	if err != nil {
		return nil, err
	}
	defer dns.Close()
	cfg.Auth.DNS = dns.Addr()
	cfg.SMTP.Listen, cfg.HTTP.Listen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Outbox.PollInterval = gateway.Duration{Duration: 100 * time.Millisecond}
	cfg.FillDefaults()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app, err := gateway.NewApp(ctx, cfg, log, nil)
	if err != nil {
		return nil, err
	}
	if err := app.Start(ctx); err != nil {
		app.DB.Close()
		return nil, err
	}
	defer app.Shutdown(ctx)

	stop := profile("new")
	res.New = loadSMTP(label+": new tickets", app.SMTPAddr, n, conns, newMail)
	stop()
	stop = profile("reply")
	res.Reply = loadSMTP(label+": replies", app.SMTPAddr, n, conns, func(i int) (string, string) {
		from := fmt.Sprintf("customer%d@shop%d.example", i, i%97)
		return from, benchMail(from, fmt.Sprintf("<reply-%d@shop.example>", i), fmt.Sprintf("<load-%d@shop.example>", i), i)
	})
	stop()
	last := time.Now()
	for {
		due, err := app.DB.Due(ctx, time.Now().Add(time.Hour), 1)
		if err != nil {
			return nil, err
		}
		if len(due) == 0 {
			break
		}
		if time.Since(last) > 5*time.Minute {
			return nil, errors.New("bench: the outbox did not drain in 5 minutes")
		}
		time.Sleep(250 * time.Millisecond)
	}
	c, err := app.DB.Counts(ctx)
	if err != nil {
		return nil, err
	}
	res.Stored = c.Messages
	res.OutboxFinish = time.Since(last)
	if want := res.New.Accepted + res.Reply.Accepted; res.Stored != want {
		return res, fmt.Errorf("bench: %d mails accepted but %d stored", want, res.Stored)
	}
	return res, nil
}

// NewTicketMail is the bench's i-th new-ticket mail and its sender.
func NewTicketMail(i int) (from, raw string) {
	from = fmt.Sprintf("customer%d@shop%d.example", i, i%97)
	return from, benchMail(from, fmt.Sprintf("<load-%d@shop.example>", i), "", i)
}

// benchMail is a plain customer mail of about 1.5 KB; with inReplyTo it
// answers an earlier one.
func benchMail(from, id, inReplyTo string, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Customer %d <%s>\r\nTo: support@support.example.com\r\nMessage-ID: %s\r\n", i, from, id)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "Subject: Re: Checkout page %d is blank\r\nIn-Reply-To: %s\r\nReferences: %s\r\n", i, inReplyTo, inReplyTo)
	} else {
		fmt.Fprintf(&b, "Subject: Checkout page %d is blank\r\n", i)
	}
	b.WriteString("Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for l := 0; l < 20; l++ {
		fmt.Fprintf(&b, "Line %d of the customer's description of what went wrong with order %d.\r\n", l, i)
	}
	if inReplyTo != "" {
		b.WriteString("\r\nOn Mon, 23 Nov 2026 at 10:00, Support <support@support.example.com> wrote:\r\n> We received your request.\r\n")
	}
	return b.String()
}

// loadSMTP sends n mails from mail(i) over conns reused connections and
// measures each message from MAIL FROM to the answer after DATA.
func loadSMTP(name, addr string, n, conns int, mail func(i int) (from, msg string)) LoadResult {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var accepted, refused atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c *gosmtp.Client
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					break
				}
				if c == nil {
					var err error
					if c, err = gosmtp.Dial(addr); err != nil || c.Hello("relay.load.example") != nil {
						refused.Add(1)
						c = nil
						continue
					}
				}
				from, msg := mail(i)
				t0 := time.Now()
				// SIZE declared, as MTAs do: the gateway reserves it of
				// its parse budget instead of the largest size it accepts.
				err := smtpsend.Mail(c, from, "support@support.example.com", strings.NewReader(msg), int64(len(msg)))
				lat[i] = time.Since(t0)
				if err != nil {
					refused.Add(1)
					var se *gosmtp.SMTPError
					if !errors.As(err, &se) {
						c.Close()
						c = nil
					}
					continue
				}
				accepted.Add(1)
			}
			if c != nil {
				c.Quit()
			}
		}()
	}
	wg.Wait()
	r := LoadResult{Name: name, Sent: n, Accepted: int(accepted.Load()), Refused: int(refused.Load()), Elapsed: time.Since(start)}
	slices.Sort(lat)
	r.P50, r.P99 = lat[n/2], lat[min(n-1, n*99/100)]
	return r
}
