package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"helpdesk/core"
)

// Batch tries a batch whole, without savepoints, and runs it again with
// one for each fn when one fails: whichever way, each fn that succeeded
// is stored once, the one that failed leaves nothing (not even what it
// wrote before failing), and a batch that succeeds runs each fn once.
func TestBatch_WholeThenSavepoints(t *testing.T) {
	ctx := context.Background()
	quarantine := func(id string, calls *int, fail bool) func(core.Tx) error {
		return func(tx core.Tx) error {
			*calls++
			if err := tx.Quarantine(ctx, &core.Quarantined{Reason: id, Channel: "smtp", Raw: []byte(id), CreatedAt: t0}); err != nil {
				return err
			}
			if fail {
				return errors.New("refused after writing")
			}
			return nil
		}
	}
	for _, tc := range []struct {
		name      string
		fail      []bool
		wantCalls int // calls of the first fn
	}{
		{"all succeed", []bool{false, false, false}, 1},
		{"the middle one fails", []bool{false, true, false}, 2},
		{"the last one fails", []bool{false, false, true}, 2},
		{"a batch of one fails", []bool{true}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := MustOpen(t)
			calls := make([]int, len(tc.fail))
			var fns []func(core.Tx) error
			for i, fail := range tc.fail {
				fns = append(fns, quarantine(fmt.Sprintf("m%d", i), &calls[i], fail))
			}
			errs, err := db.Batch(ctx, fns)
			if err != nil {
				t.Fatal(err)
			}
			if calls[0] != tc.wantCalls {
				t.Errorf("first fn ran %d times, want %d", calls[0], tc.wantCalls)
			}
			for i, fail := range tc.fail {
				var n int
				if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM quarantine WHERE reason = ?`, fmt.Sprintf("m%d", i)).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{false: 1, true: 0}[fail]; n != want || (errs[i] != nil) != fail {
					t.Errorf("fn %d (fails: %v): stored %d times, error %v", i, fail, n, errs[i])
				}
			}
		})
	}
}
