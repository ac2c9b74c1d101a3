package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"helpdesk/internal/bench"
)

// TestBench_Smoke runs a short load as CI's smoke test: it fails if any
// accepted mail is missing from the store, never on timing.
func TestBench_Smoke(t *testing.T) {
	res, err := bench.Run(context.Background(), 300, 10, false, io.Discard, func(string) func() { return func() {} })
	if err != nil {
		t.Fatal(err)
	}
	if res.New.Accepted != 300 || res.Reply.Accepted != 300 || res.Stored != 600 {
		t.Fatalf("accepted %d new and %d replies, stored %d; want 300, 300, 600", res.New.Accepted, res.Reply.Accepted, res.Stored)
	}
	var out bytes.Buffer
	printBench(&out, res)
	if !strings.Contains(out.String(), "null go-smtp server") {
		t.Fatalf("report:\n%s", out.String())
	}
}
