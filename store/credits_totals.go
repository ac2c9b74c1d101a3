package store

import (
	"context"
	"fmt"
)

// CreditTotals are the credits figures of /status (docs/rules.md §5), over
// every account.
type CreditTotals struct {
	Balance   int64 // the sum of the accounts' balances
	Granted   int64 // license grants
	Purchased int64 // bought packages
	Charged   int64 // charged to tickets, with adjustments and custom charges, less refunds
	Expired   int64 // lots that ran out unused
	ByHand    int64 // adjustments by hand (credits adjust): grants less what was taken
}

// CreditTotals sums the accounts' balances and the ledger by kind.
func (s *DB) CreditTotals(ctx context.Context) (*CreditTotals, error) {
	var t CreditTotals
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COALESCE(SUM(credits), 0) FROM accounts),
		COALESCE(SUM(CASE WHEN kind = 'grant' THEN amount END), 0),
		COALESCE(SUM(CASE WHEN kind = 'purchase' THEN amount END), 0),
		-COALESCE(SUM(CASE WHEN kind IN ('charge', 'adjustment', 'refund', 'custom_charge') THEN amount END), 0),
		-COALESCE(SUM(CASE WHEN kind = 'expiry' THEN amount END), 0),
		COALESCE(SUM(CASE WHEN kind = 'manual' THEN amount END), 0)
		FROM credit_entries`).Scan(&t.Balance, &t.Granted, &t.Purchased, &t.Charged, &t.Expired, &t.ByHand)
	if err != nil {
		return nil, fmt.Errorf("credit totals: %w", err)
	}
	return &t, nil
}
