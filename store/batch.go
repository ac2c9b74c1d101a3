package store

import (
	"context"
	"database/sql"
	"fmt"

	"helpdesk/core"
)

// Batch runs each fn in its own savepoint of one transaction and commits
// once (group commit): a mail that fails rolls back only its savepoint,
// and a hundred mails cost one commit instead of a hundred. errs[i] is
// fn[i]'s error; err is the transaction's (begin or commit), in which
// case nothing of the batch was stored.
func (s *DB) Batch(ctx context.Context, fns []func(core.Tx) error) (errs []error, err error) {
	errs = make([]error, len(fns))
	err = s.tx(ctx, func(tx *sql.Tx) error {
		ctx := uninterrupted(ctx)
		for i, fn := range fns {
			s.ran.Add(2) // SAVEPOINT, RELEASE
			if _, err := tx.ExecContext(ctx, "SAVEPOINT item"); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			t := &Tx{tx: tx, db: s}
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
