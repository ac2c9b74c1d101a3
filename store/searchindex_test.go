package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"helpdesk/core"
)

// openQuiet opens (and migrates) a database whose search indexer does
// not run, so that only the test indexes.
func openQuiet(t *testing.T, path string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = openFile(ctx, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func indexed(t *testing.T, db *DB, id int64) bool {
	t.Helper()
	var n int
	if err := db.db.QueryRow(`SELECT COUNT(*) FROM message_search WHERE docid = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// A message enters the full-text index after the transaction that stored
// it, and a search indexes what waits before it reads: the writer's
// transaction does not pay for the index, and no search misses a message.
func TestSearch_IndexesAfterTheCommit(t *testing.T) {
	db := openQuiet(t, filepath.Join(t.TempDir(), "helpdesk.db"))
	ctx := context.Background()
	tk := mustTicket(t, db, "ann@shop.example")
	first := addText(t, db, tk.Number, "Refund", "The parcel never arrived", t0)
	second := addText(t, db, tk.Number, "Refund", "Still waiting for the courier", t0.Add(time.Minute))
	if indexed(t, db, first) || indexed(t, db, second) {
		t.Fatal("a message was indexed in the transaction that stored it")
	}
	// Changed before the indexer reads it: the index holds the new text.
	if _, err := db.db.Exec(`UPDATE messages SET text = 'Still waiting for the van' WHERE id = ?`, second); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, db, "parcel", core.SearchQuery{}); len(hits) != 1 || hits[0].Message != first {
		t.Fatalf("search for a waiting message: %+v", hits)
	}
	if hits := mustSearch(t, db, "van", core.SearchQuery{}); len(hits) != 1 || hits[0].Message != second {
		t.Fatalf("search for the changed text: %+v", hits)
	}
	if hits := mustSearch(t, db, "courier", core.SearchQuery{}); len(hits) != 0 {
		t.Fatalf("the text before the change was indexed: %+v", hits)
	}
	if n, err := db.IndexSearch(ctx); err != nil || n != 0 {
		t.Fatalf("indexing again: %d messages, %v; want none", n, err)
	}
}

// Without a search, the indexer catches up once writes pause.
func TestSearchIndexer_CatchesUpWhenWritesPause(t *testing.T) {
	db := MustOpen(t)
	tk := mustTicket(t, db, "ann@shop.example")
	id := addText(t, db, tk.Number, "Refund", "The parcel never arrived", t0)
	for deadline := time.Now().Add(10 * searchIdle); !indexed(t, db, id); {
		if time.Now().After(deadline) {
			t.Fatalf("message %d not indexed %v after the last write", id, 10*searchIdle)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := db.searchErrs.Load(); n != 0 {
		t.Fatalf("%d failed index runs", n)
	}
}

// A database from before the indexer had every message indexed by its
// trigger: the migration starts the indexer after them, so none is
// indexed twice (FTS4 would refuse the second docid) and none is lost.
func TestSearchIndexer_MigrationStartsAfterIndexedMessages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	old, err := OpenVersion(ctx, path, 20)
	if err != nil {
		t.Fatal(err)
	}
	tk := mustTicket(t, old, "ann@shop.example")
	id := addText(t, old, tk.Number, "Refund", "The parcel never arrived", t0)
	if !indexed(t, old, id) {
		t.Fatal("version 20 should index in the transaction")
	}
	old.Close()
	db := openQuiet(t, path)
	if n, err := db.IndexSearch(ctx); err != nil || n != 0 {
		t.Fatalf("after the migration: %d messages indexed, %v; want none", n, err)
	}
	next := addText(t, db, tk.Number, "Refund", "The parcel came back", t0.Add(time.Hour))
	if n, err := db.IndexSearch(ctx); err != nil || n != 1 || !indexed(t, db, next) {
		t.Fatalf("a new message: %d indexed (%v), want it alone", n, err)
	}
}

// Counts tells how many messages wait for the index (the metric
// helpdesk_search_index_waiting).
func TestCounts_SearchWaiting(t *testing.T) {
	ctx := context.Background()
	db := openQuiet(t, filepath.Join(t.TempDir(), "helpdesk.db"))
	tk := mustTicket(t, db, "ann@shop.example")
	addText(t, db, tk.Number, "Refund", "The parcel never arrived", t0)
	addText(t, db, tk.Number, "Refund", "Still waiting", t0.Add(time.Minute))
	for _, want := range []int{2, 0} {
		c, err := db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.SearchWaiting != want {
			t.Fatalf("%d messages waiting for the index, want %d", c.SearchWaiting, want)
		}
		if _, err := db.IndexSearch(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
