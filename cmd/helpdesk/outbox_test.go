package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/store"
)

// mustOutboxDB makes a database with one ticket and three email rows:
// one sent, one dead after a retry, one pending.
func mustOutboxDB(t *testing.T) (path string, ids []int64) {
	t.Helper()
	ctx := context.Background()
	path = filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	err = db.Tx(ctx, func(tx core.Tx) error {
		a := &core.Account{Kind: core.AccountPresales, CreatedAt: at}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		p := &core.Profile{AccountID: a.ID, Email: "ann@shop.example", Role: core.RolePrimary, CreatedAt: at}
		if err := tx.CreateProfile(ctx, p); err != nil {
			return err
		}
		tk := &core.Ticket{AccountID: a.ID, ProfileID: p.ID, Department: "support", Type: core.TypeSupport,
			Status: core.StatusSubmitted, Subject: "Blank page", CreatedAt: at, UpdatedAt: at}
		if err := tx.CreateTicket(ctx, tk); err != nil {
			return err
		}
		for range 3 {
			it := &core.OutboxItem{Kind: core.OutboxEmail, Ticket: tk.Number, Payload: []byte("{}"), NextAttempt: at, CreatedAt: at}
			if err := tx.Enqueue(ctx, it); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []error{
		db.Done(ctx, ids[0], at, time.Second),
		db.Retry(ctx, ids[1], at, at.Add(time.Minute), 2*time.Second, "451 4.3.0 try again later"),
		db.Dead(ctx, ids[1], at.Add(time.Minute), 300*time.Millisecond, "550 5.1.1 mailbox unavailable"),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	return path, ids
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb, nil)
	return out.String() + errb.String(), err
}

func TestOutboxCommand_ListAndRetry(t *testing.T) {
	path, ids := mustOutboxDB(t)

	out, err := runCLI(t, "outbox", "list", "--db", path)
	if err != nil {
		t.Fatalf("outbox list: %v\n%s", err, out)
	}
	for _, want := range []string{"dead", "pending", "550 5.1.1 mailbox unavailable", "451 4.3.0 try again later", "retry", "2s"} {
		if !strings.Contains(out, want) {
			t.Errorf("outbox list lacks %q:\n%s", want, out)
		}
	}

	out, err = runCLI(t, "outbox", "list", "--dead", "--json", "--db", path)
	if err != nil {
		t.Fatalf("outbox list --dead --json: %v\n%s", err, out)
	}
	var rows []gateway.OutboxRowView
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rows) != 1 || rows[0].ID != ids[1] || rows[0].State != "dead" || len(rows[0].History) != 2 ||
		rows[0].History[0].Result != "retry" || rows[0].History[0].DurationMS != 2000 || rows[0].History[1].Result != "dead" {
		t.Fatalf("dead rows: %+v", rows)
	}

	if out, err := runCLI(t, "outbox", "retry", "--db", path); err == nil {
		t.Fatalf("outbox retry without an ID succeeded:\n%s", out)
	}
	if out, err := runCLI(t, "outbox", "retry", "999", "--db", path); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("outbox retry of no row: %v\n%s", err, out)
	}
	out, err = runCLI(t, "outbox", "retry", strconv.FormatInt(ids[1], 10), "--db", path)
	if err != nil || !strings.Contains(out, "put back to pending") {
		t.Fatalf("outbox retry: %v\n%s", err, out)
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	due, err := db.Due(context.Background(), time.Now(), 10)
	if err != nil || len(due) != 2 || due[0].ID != ids[1] || due[0].Attempts != 0 {
		t.Fatalf("due after retry: %+v %v", due, err)
	}

	// --all-dead
	if err := db.Dead(context.Background(), ids[1], time.Now(), 0, "550"); err != nil {
		t.Fatal(err)
	}
	if err := db.Dead(context.Background(), ids[2], time.Now(), 0, "550"); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, "outbox", "retry", "--all-dead", "--db", path)
	if err != nil || !strings.Contains(out, "2 dead outbox rows") {
		t.Fatalf("outbox retry --all-dead: %v\n%s", err, out)
	}
	if out, _ := runCLI(t, "outbox", "list", "--dead", "--db", path); !strings.Contains(out, "no pending or dead") {
		t.Fatalf("dead rows left:\n%s", out)
	}
}

// backup copies the database; restoring is the README's steps: with serve
// stopped, copy the file over the database and remove its -wal, -shm and
// -sent.
func TestBackupCommand_Restore(t *testing.T) {
	path, ids := mustOutboxDB(t)
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	out, err := runCLI(t, "backup", copyPath, "--db", path)
	if err != nil || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := runCLI(t, "backup", copyPath, "--db", path); err == nil {
		t.Fatalf("backup over an existing file succeeded:\n%s", out)
	}
	if out, err := runCLI(t, "backup", filepath.Join(t.TempDir(), "x.db"), "--db", filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Fatalf("backup of no database succeeded:\n%s", out)
	}

	// Lose data after the backup: the pending row is sent, a row added.
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Done(ctx, ids[2], time.Now(), 0); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Restore.
	data, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	os.Remove(path + "-sent")

	out, err = runCLI(t, "outbox", "list", "--json", "--db", path)
	if err != nil {
		t.Fatalf("outbox list after restore: %v\n%s", err, out)
	}
	var rows []gateway.OutboxRowView
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rows) != 2 || rows[0].ID != ids[1] || rows[0].State != "dead" || rows[1].ID != ids[2] || rows[1].State != "pending" {
		t.Fatalf("restored rows: %+v", rows)
	}
}
