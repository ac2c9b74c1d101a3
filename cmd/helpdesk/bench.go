package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/gateway"
	"helpdesk/internal/demo"
	"helpdesk/internal/dnstest"
	"helpdesk/store"
)

// cmdBench is `helpdesk bench`: it sends N distinct customer mails over C
// concurrent SMTP connections (reused, as a relay does) to a gateway it
// runs in-process on a fresh database, and in the same run the same load
// to a null go-smtp server that reads and discards every message: the
// ceiling of any gateway built on go-smtp on this machine. Then it sends
// N replies that thread to those tickets. It checks that every accepted
// mail is in the store.
func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	n := fs.Int("n", 20000, "mails per run")
	conns := fs.Int("c", 50, "concurrent SMTP connections")
	keep := fs.Bool("keep", false, "keep the benchmark's database")
	generate := fs.Int("generate", 0, "instead: write this many synthetic tickets into a new database at -db")
	dbPath := fs.String("db", "", "the database -generate writes")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file`")
	phase := fs.String("profile", "all", "what -cpuprofile covers: all, new (the gateway's new tickets) or reply")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *phase != "all" && *phase != "new" && *phase != "reply" {
		return usageError{"bench: -profile must be all, new or reply"}
	}
	profile := func(string) func() { return func() {} }
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		start := func() func() {
			if err := pprof.StartCPUProfile(f); err != nil {
				fmt.Fprintf(stderr, "bench: cpu profile: %v\n", err)
			}
			return pprof.StopCPUProfile
		}
		switch *phase {
		case "all":
			defer start()()
		case "new", "reply":
			profile = func(p string) func() {
				if p != *phase {
					return func() {}
				}
				return start()
			}
		}
	}
	if *generate > 0 {
		return benchGenerate(ctx, *dbPath, *generate, stdout)
	}
	if *n < 1 || *conns < 1 {
		return usageError{"bench: -n and -c must be positive"}
	}
	res, err := runBench(ctx, *n, *conns, *keep, stderr, profile)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}

// benchGenerate writes a large synthetic database, to measure `serve`'s
// memory and sweep on it.
func benchGenerate(ctx context.Context, path string, n int, w io.Writer) error {
	if path == "" {
		return usageError{"bench -generate N needs -db PATH"}
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("bench: %s exists; -generate writes a new database", path)
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Generate(ctx, n, time.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %d tickets to %s in %s\n", n, path, time.Since(start).Round(time.Millisecond))
	return nil
}

// loadResult is one load run.
type loadResult struct {
	Name     string
	Sent     int
	Accepted int
	Refused  int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r loadResult) rate() float64 { return float64(r.Accepted) / r.Elapsed.Seconds() }

type benchResult struct {
	N, Conns     int
	Null, New    loadResult
	Reply        loadResult
	Stored       int // inbound messages in the store afterwards
	DB           string
	OutboxFinish time.Duration // until every notification was written
}

func (b *benchResult) print(w io.Writer) {
	fmt.Fprintf(w, "helpdesk bench: %d mails over %d SMTP connections\n\n", b.N, b.Conns)
	fmt.Fprintf(w, "%-28s %10s %9s %9s %9s %8s\n", "run", "accepted", "mails/s", "p50", "p99", "ratio")
	row := func(r loadResult, ratio string) {
		fmt.Fprintf(w, "%-28s %10d %9.0f %9s %9s %8s\n", r.Name, r.Accepted, r.rate(),
			r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), ratio)
	}
	row(b.Null, "1")
	row(b.New, fmt.Sprintf("%.2f", b.New.rate()/b.Null.rate()))
	row(b.Reply, fmt.Sprintf("%.2f", b.Reply.rate()/b.Null.rate()))
	fmt.Fprintf(w, "\nstored inbound messages: %d of %d accepted", b.Stored, b.New.Accepted+b.Reply.Accepted)
	if b.New.Refused+b.Reply.Refused > 0 {
		fmt.Fprintf(w, " (%d refused)", b.New.Refused+b.Reply.Refused)
	}
	fmt.Fprintf(w, "\noutbox drained %s after the last mail\n", b.OutboxFinish.Round(time.Millisecond))
	if b.DB != "" {
		fmt.Fprintf(w, "database kept at %s\n", b.DB)
	}
}

// runBench runs the loads of `helpdesk bench`, n mails each over conns
// SMTP connections, against a null server and then the gateway.
// profile(phase) is called as the gateway's "new" and "reply" loads
// start; the function it returns, as they end.
func runBench(ctx context.Context, n, conns int, keep bool, stderr io.Writer, profile func(phase string) func()) (*benchResult, error) {
	res := &benchResult{N: n, Conns: conns}
	null, err := demo.StartNullSMTP()
	if err != nil {
		return nil, err
	}
	defer null.Close()
	newMail := func(i int) (string, string) {
		from := fmt.Sprintf("customer%d@shop%d.example", i, i%97)
		return from, benchMail(from, fmt.Sprintf("<load-%d@shop.example>", i), "", i)
	}
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
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(dir, "helpdesk.db")
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
	res.New = loadSMTP("gateway: new tickets", app.SMTPAddr, n, conns, newMail)
	stop()
	stop = profile("reply")
	res.Reply = loadSMTP("gateway: replies", app.SMTPAddr, n, conns, func(i int) (string, string) {
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
func loadSMTP(name, addr string, n, conns int, mail func(i int) (from, msg string)) loadResult {
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
				err := c.SendMail(from, []string{"support@support.example.com"}, strings.NewReader(msg))
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
	r := loadResult{Name: name, Sent: n, Accepted: int(accepted.Load()), Refused: int(refused.Load()), Elapsed: time.Since(start)}
	slices.Sort(lat)
	r.P50, r.P99 = lat[n/2], lat[min(n-1, n*99/100)]
	return r
}
