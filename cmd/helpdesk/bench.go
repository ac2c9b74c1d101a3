package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"helpdesk/internal/bench"
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
	pgDSN := fs.String("postgres", "", "also run the gateway on the empty PostgreSQL database at this `DSN`, in the same run")
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
	res, err := bench.Run(ctx, *n, *conns, *keep, *pgDSN, stderr, profile)
	if err != nil {
		return err
	}
	printBench(stdout, res)
	return nil
}

// benchGenerate writes a large synthetic database, to measure `serve`'s
// memory and sweep on it.
func benchGenerate(ctx context.Context, path string, n int, w io.Writer) error {
	if path == "" {
		return usageError{"bench -generate N needs -db PATH"}
	}
	took, err := bench.Generate(ctx, path, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %d tickets to %s in %s\n", n, path, took.Round(time.Millisecond))
	return nil
}

// printBench prints the report of a bench run.
func printBench(w io.Writer, b *bench.Result) {
	fmt.Fprintf(w, "helpdesk bench: %d mails over %d SMTP connections\n\n", b.N, b.Conns)
	fmt.Fprintf(w, "%-28s %10s %9s %9s %9s %8s\n", "run", "accepted", "mails/s", "p50", "p99", "ratio")
	row := func(r bench.LoadResult, ratio string) {
		fmt.Fprintf(w, "%-28s %10d %9.0f %9s %9s %8s\n", r.Name, r.Accepted, r.Rate(),
			r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), ratio)
	}
	row(b.Null, "1")
	row(b.New, fmt.Sprintf("%.2f", b.New.Rate()/b.Null.Rate()))
	row(b.Reply, fmt.Sprintf("%.2f", b.Reply.Rate()/b.Null.Rate()))
	if pg := b.Postgres; pg != nil {
		row(pg.New, fmt.Sprintf("%.2f", pg.New.Rate()/b.Null.Rate()))
		row(pg.Reply, fmt.Sprintf("%.2f", pg.Reply.Rate()/b.Null.Rate()))
	}
	fmt.Fprintf(w, "\nstored inbound messages: %d of %d accepted", b.Stored, b.New.Accepted+b.Reply.Accepted)
	if b.New.Refused+b.Reply.Refused > 0 {
		fmt.Fprintf(w, " (%d refused)", b.New.Refused+b.Reply.Refused)
	}
	fmt.Fprintf(w, "\noutbox drained %s after the last mail\n", b.OutboxFinish.Round(time.Millisecond))
	if pg := b.Postgres; pg != nil {
		fmt.Fprintf(w, "postgres: new tickets %.2f and replies %.2f of SQLite's rate; stored %d of %d, outbox drained %s after the last mail\n",
			pg.New.Rate()/b.New.Rate(), pg.Reply.Rate()/b.Reply.Rate(), pg.Stored, pg.New.Accepted+pg.Reply.Accepted,
			pg.OutboxFinish.Round(time.Millisecond))
	}
	if b.DB != "" {
		fmt.Fprintf(w, "database kept at %s\n", b.DB)
	}
}
