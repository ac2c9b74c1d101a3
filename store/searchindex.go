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

// IndexSearch adds the messages stored before it began and not indexed
// yet to the full-text index, searchChunk to a transaction, and returns
// how many. Messages stored meanwhile wait for the next run, so that a
// search under a steady stream of mail does not chase it.
func (s *DB) IndexSearch(ctx context.Context) (int, error) {
	var last, target int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT last_id FROM search_indexed),
		(SELECT COALESCE(MAX(id), 0) FROM messages)`).Scan(&last, &target); err != nil {
		return 0, fmt.Errorf("index search: %w", err)
	}
	total := 0
	for last < target {
		var n int64
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var upto int64
			if err := tx.QueryRowContext(ctx, `SELECT last_id FROM search_indexed`).Scan(&last); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), ?1) FROM
				(SELECT id FROM messages WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3) AS chunk`,
				last, target, searchChunk).Scan(&upto); err != nil {
				return err
			}
			if upto == last { // another process indexed them meanwhile
				upto = max(last, target)
			}
			var err error
			if n, err = s.indexRange(ctx, tx, last, upto); err != nil {
				return err
			}
			if _, err = tx.ExecContext(ctx, `UPDATE search_indexed SET last_id = ?`, upto); err != nil {
				return err
			}
			last = upto
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("index search: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

// indexRange indexes the messages with ids in (after, upto].
func (s *DB) indexRange(ctx context.Context, tx *sql.Tx, after, upto int64) (int64, error) {
	if s.pg {
		return indexRangePostgres(ctx, tx, after, upto)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO message_search (docid, subject, text)
		SELECT id, subject, text FROM messages WHERE id > ? AND id <= ?`, after, upto)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
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
	ctx, cancel := s.untilClosed()
	defer cancel()
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
