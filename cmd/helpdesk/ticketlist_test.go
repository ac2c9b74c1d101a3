package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"helpdesk/gateway"
	"helpdesk/store"
)

func TestTicketList_Paging(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Generate(ctx, 120, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Run(ctx, append(args, "--db", path), &out, &out, nil); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	list := func(args ...string) []gateway.TicketView {
		t.Helper()
		var rows []gateway.TicketView
		out := run(append(args, "--json")...)
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%v: %v in %s", args, err, out)
		}
		return rows
	}

	// Text: 50 by default, then the cursor.
	out := run("ticket", "list")
	m := regexp.MustCompile(`(?m)^next: --after (\d+)$`).FindStringSubmatch(out)
	if strings.Count(out, "\n#") != 50 || m == nil || m[1] != "50" {
		t.Fatalf("ticket list: %d rows, next %v:\n%s", strings.Count(out, "\n#"), m, out)
	}
	// JSON: an array; the pages join up to every ticket once.
	var all []int64
	for after := "0"; ; {
		rows := list("ticket", "list", "--after", after)
		for _, r := range rows {
			all = append(all, r.Number)
		}
		if len(rows) < 50 {
			break
		}
		after = itoa(int(rows[len(rows)-1].Number))
	}
	if len(all) != 120 || all[0] != 1 || all[119] != 120 {
		t.Fatalf("pages gave %d tickets: %v", len(all), all)
	}
	if rows := list("ticket", "list", "--limit", "0"); len(rows) != 120 {
		t.Fatalf("--limit 0: %d tickets, want 120", len(rows))
	}
	if out := run("ticket", "list", "--limit", "0"); strings.Contains(out, "next:") {
		t.Fatal("--limit 0 printed a cursor")
	}
	for _, r := range list("ticket", "list", "--status", "assigned,reopened", "--status", "submitted", "--limit", "0") {
		if r.Status != "assigned" && r.Status != "reopened" && r.Status != "submitted" {
			t.Fatalf("--status filter let #%d %s through", r.Number, r.Status)
		}
	}
	if rows := list("ticket", "list", "--department", "sales"); len(rows) != 0 {
		t.Fatalf("--department sales: %d tickets", len(rows))
	}
	first := list("ticket", "list", "--limit", "1")[0]
	for _, r := range list("ticket", "list", "--account", first.Account.PrimaryEmail, "--limit", "0") {
		if r.Account.ID != first.Account.ID {
			t.Fatalf("--account let #%d of account %d through", r.Number, r.Account.ID)
		}
	}
	if rows := list("ticket", "list", "--since", "2999-01-01"); len(rows) != 0 {
		t.Fatalf("--since in the future: %d tickets", len(rows))
	}
	q := list("queue", "--limit", "3")
	if len(q) != 3 {
		t.Fatalf("queue --limit 3: %d", len(q))
	}
	next := list("queue", "--limit", "3", "--after", itoa(int(q[2].Number)))
	whole := list("queue", "--limit", "6")
	if len(next) != 3 || next[0].Number != whole[3].Number {
		t.Fatalf("queue --after: %v, want the queue from its 4th ticket", next)
	}
}
