package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The full-text index (message_search) is written after the transaction
// that stores a message, not by a trigger in it: the index was about a
// tenth of a new ticket's time in the one writer, which every SMTP client
// waits for. A goroutine indexes the waiting messages once writes pause
// for searchIdle, or searchLag after the first commit it saw when they
// never pause; and every search indexes what waits before it reads, so a
// search always sees every stored message.
const (
	searchIdle  = time.Second
	searchLag   = 30 * time.Second
	searchChunk = 2000 // messages a transaction
)

// IndexSearch adds the messages stored since the last run to the
// full-text index, searchChunk to a transaction, and returns how many.
func (s *DB) IndexSearch(ctx context.Context) (int, error) {
	total := 0
	for {
		var waiting bool
		if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages
			WHERE id > (SELECT last_id FROM search_indexed))`).Scan(&waiting); err != nil {
			return total, fmt.Errorf("index search: %w", err)
		}
		if !waiting {
			return total, nil
		}
		var n int64
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var last, upto int64
			if err := tx.QueryRowContext(ctx, `SELECT last_id FROM search_indexed`).Scan(&last); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), ?1) FROM
				(SELECT id FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2)`, last, searchChunk).Scan(&upto); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO message_search (docid, subject, text)
				SELECT id, subject, text FROM messages WHERE id > ? AND id <= ?`, last, upto)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE search_indexed SET last_id = ?`, upto)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("index search: %w", err)
		}
		total += int(n)
	}
}

// startSearchIndexer starts the search indexer on a database whose
// schema is this binary's.
func (s *DB) startSearchIndexer() {
	s.searchDone = make(chan struct{})
	go s.searchIndexLoop()
}

// searchIndexLoop runs until the database is closed.
func (s *DB) searchIndexLoop() {
	defer close(s.searchDone)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.closed
		cancel()
	}()
	idle := time.NewTimer(time.Hour)
	idle.Stop()
	var lag <-chan time.Time // nil while nothing waits
	for {
		select {
		case <-s.searchWaits:
			idle.Reset(searchIdle)
			if lag == nil {
				lag = time.After(searchLag)
			}
			continue
		case <-idle.C:
		case <-lag:
		case <-ctx.Done():
			return
		}
		idle.Stop()
		lag = nil
		if _, err := s.IndexSearch(ctx); err != nil && ctx.Err() == nil {
			s.searchErrs.Add(1)
		}
	}
}
