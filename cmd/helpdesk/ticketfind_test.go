package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

func TestTicketFind_Words(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if err := db.Generate(ctx, 30, now); err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx core.Tx) error {
		return tx.AddMessage(ctx, &core.Message{Ticket: 17, Direction: core.DirInbound, From: "c@shop.example",
			MessageID: "pp@shop.example", BodyHash: "h", Subject: "Payment", Text: "Our PayPal button vanished after the update.", CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(ctx, append(args, "--db", path), &out, &out, nil)
		return out.String(), err
	}
	out, err := run("ticket", "find", "paypal", "button", "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var hits []map[string]any
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatal(err, out)
	}
	if len(hits) != 1 || hits[0]["number"] != float64(17) || hits[0]["snippet"] != "Our [PayPal] [button] vanished after the update." {
		t.Fatalf("hits %v", hits)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ticket", "find", `"paypal" (button* -`}, "#17"},
		{[]string{"ticket", "find", "paypal", "--status", "closed", "--department", "sales"}, "no ticket found"},
		{[]string{"ticket", "find", "paypal", "--since", "2026-11-21"}, "no ticket found"},
		{[]string{"ticket", "find", "paypal", "--until", "2026-11-21"}, "[PayPal]"},
		{[]string{"ticket", "find", "#17"}, "#17"},
		{[]string{"ticket", "find", "pp@shop.example"}, "of ticket #17"},
	}
	for _, tc := range cases {
		out, err := run(tc.args...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Errorf("%q: %v, want %q in:\n%s", tc.args, err, tc.want, out)
		}
	}
	if _, err := run("ticket", "find", "*** ()"); err == nil || !strings.Contains(err.Error(), "at least one word") {
		t.Errorf("a search of no word: %v", err)
	}
}
