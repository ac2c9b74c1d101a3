package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"helpdesk/gateway"
	"helpdesk/store"
)

// TestTags_CLI: `ticket act N tag add|remove TAG`, the tags in `ticket
// show` and the --tag filter of `ticket list` and `queue`.
func TestTags_CLI(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Generate(ctx, 50, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	views := func(args ...string) []gateway.TicketView {
		t.Helper()
		out, err := runCLI(t, append(args, "--json", "--db", path)...)
		var vs []gateway.TicketView
		if err != nil || json.Unmarshal([]byte(out), &vs) != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return vs
	}
	queue := views("queue")
	if len(queue) < 2 {
		t.Fatalf("queue of %d tickets", len(queue))
	}
	n := strconv.FormatInt(queue[1].Number, 10)
	for _, tag := range []string{"billing", "paypal"} {
		if out, err := runCLI(t, "ticket", "act", n, "tag", "add", tag, "--db", path); err != nil || !strings.Contains(out, "tagged "+tag) {
			t.Fatalf("tag add %s: %v\n%s", tag, err, out)
		}
	}
	if _, err := runCLI(t, "ticket", "act", n, "tag", "add", "Not Valid", "--db", path); err == nil || !strings.Contains(err.Error(), "tag") {
		t.Fatalf("an invalid tag: %v", err)
	}
	out, err := runCLI(t, "ticket", "show", n, "--json", "--db", path)
	var show struct {
		Tags []string `json:"tags"`
	}
	if err != nil || json.Unmarshal([]byte(out), &show) != nil || strings.Join(show.Tags, ",") != "billing,paypal" {
		t.Fatalf("ticket show --json tags %v: %v\n%s", show.Tags, err, out)
	}
	if out, _ := runCLI(t, "ticket", "show", n, "--db", path); !strings.Contains(out, "tags: billing, paypal") {
		t.Fatalf("ticket show:\n%s", out)
	}
	if out, _ := runCLI(t, "ticket", "show", "1", "--json", "--db", path); !strings.Contains(out, `"tags": []`) {
		t.Fatalf("an untagged ticket's JSON has no empty tags:\n%s", out)
	}
	for _, args := range [][]string{{"ticket", "list", "--tag", "billing"}, {"queue", "--tag", "paypal"}} {
		if vs := views(args...); len(vs) != 1 || strconv.FormatInt(vs[0].Number, 10) != n {
			t.Errorf("%v: %d tickets, want #%s alone", args, len(vs), n)
		}
	}
	if out, err := runCLI(t, "ticket", "act", n, "tag", "remove", "billing", "--db", path); err != nil || !strings.Contains(out, "no longer tagged billing") {
		t.Fatalf("tag remove: %v\n%s", err, out)
	}
	if vs := views("ticket", "list", "--tag", "billing"); len(vs) != 0 {
		t.Errorf("ticket list --tag billing after removal: %d tickets", len(vs))
	}
}
