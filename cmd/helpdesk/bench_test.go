package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"helpdesk/internal/bench"
	"helpdesk/internal/pgtest"
)

// TestBench_Smoke runs a short load as CI's smoke test, on SQLite and on
// PostgreSQL: it fails if any accepted mail is missing from either
// store, never on timing.
func TestBench_Smoke(t *testing.T) {
	var dsn string
	if pgtest.Available() {
		dsn = pgtest.DSN(t)
	}
	res, err := bench.Run(context.Background(), 300, 10, false, dsn, io.Discard, func(string) func() { return func() {} })
	if err != nil {
		t.Fatal(err)
	}
	runs := []*bench.GatewayResult{&res.GatewayResult}
	if dsn != "" {
		runs = append(runs, res.Postgres)
	}
	for _, g := range runs {
		if g.New.Accepted != 300 || g.Reply.Accepted != 300 || g.Stored != 600 {
			t.Fatalf("%s: accepted %d new and %d replies, stored %d; want 300, 300, 600", g.New.Name, g.New.Accepted, g.Reply.Accepted, g.Stored)
		}
	}
	var out bytes.Buffer
	printBench(&out, res)
	if !strings.Contains(out.String(), "null go-smtp server") || dsn != "" && !strings.Contains(out.String(), "of SQLite's rate") {
		t.Fatalf("report:\n%s", out.String())
	}
}
