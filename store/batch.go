package store

import (
	"context"
	"database/sql"
	"fmt"

	"helpdesk/core"
)

// Batch runs fns in one transaction and commits once (group commit): a
// hundred mails cost one commit instead of a hundred. errs[i] is
// fn[i]'s error, and a fn that fails leaves nothing of its own; err is
// the transaction's (begin or commit), in which case nothing of the
// batch was stored.
//
// Each fn could run in a savepoint of its own, but SAVEPOINT and
// RELEASE, and the copy of each page a savepoint first changes, cost
// about a sixth of a new ticket's time in the writer, and nearly every
// batch succeeds whole. So the batch runs first without savepoints; if
// one fn fails, that transaction is rolled back and the batch runs again
// with a savepoint for each fn. core.Store documents that a fn may run
// twice.
func (s *DB) Batch(ctx context.Context, fns []func(core.Tx) error) (errs []error, err error) {
	errs = make([]error, len(fns))
	failed := -1
	err = s.tx(ctx, func(tx *sql.Tx) error {
		stmts := map[string]*sql.Stmt{}
		for i, fn := range fns {
			if errs[i] = classify(fn(&Tx{tx: tx, db: s, stmts: stmts})); errs[i] != nil {
				failed = i
				return errs[i]
			}
		}
		return nil
	})
	switch {
	case failed < 0:
		return errs, err
	case len(fns) == 1:
		// Its own transaction was its savepoint.
		return errs, nil
	}
	return s.batchSavepoints(ctx, fns)
}

// batchSavepoints runs each fn in its own savepoint of one transaction.
func (s *DB) batchSavepoints(ctx context.Context, fns []func(core.Tx) error) (errs []error, err error) {
	errs = make([]error, len(fns))
	err = s.tx(ctx, func(tx *sql.Tx) error {
		ctx := uninterrupted(ctx)
		stmts := map[string]*sql.Stmt{}
		for i, fn := range fns {
			s.ran.Add(2) // SAVEPOINT, RELEASE
			if _, err := tx.ExecContext(ctx, "SAVEPOINT item"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			t := &Tx{tx: tx, db: s, stmts: stmts}
			if errs[i] = classify(fn(t)); errs[i] != nil {
				s.ran.Add(1)
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO item"); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE item"); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	return errs, err
}
