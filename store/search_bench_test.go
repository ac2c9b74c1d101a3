package store

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"helpdesk/core"
)

// BenchmarkSearch runs one search over 1,000,000 messages (100,000
// tickets of 10; HELPDESK_BENCH_MESSAGES overrides the count), the
// issue's bound being 50 ms a query. "rare" is a word of the generated
// vocabulary found in a few dozen messages, "two" two such words of
// which a message must hold both, "filtered" a rare word within one
// status, "common" a word found in every message (the newest
// core.SearchCandidates are ranked); each returns at most
// core.SearchLimit tickets with snippets.
func BenchmarkSearch(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("HELPDESK_BENCH_MESSAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "search.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Generate(ctx, n/10, t0); err != nil {
		b.Fatal(err)
	}
	if err := db.GenerateMessages(ctx, 10, t0); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		words string
		q     core.SearchQuery
	}{
		{"rare", "w4242", core.SearchQuery{}},
		{"two", "w4242 checkout", core.SearchQuery{}},
		{"filtered", "w777", core.SearchQuery{Status: core.StatusClosed}},
		{"common", "checkout", core.SearchQuery{}},
	} {
		terms, err := core.SearchTerms(bc.words)
		if err != nil {
			b.Fatal(err)
		}
		bc.q.Terms = terms
		b.Run(bc.name, func(b *testing.B) {
			hits := 0
			for b.Loop() {
				h, err := db.Search(ctx, bc.q)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(h)
			}
			if hits == 0 {
				b.Fatal("no hit")
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
}
