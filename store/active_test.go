package store

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"helpdesk/core"
)

// The store's "active" is core.Active, and the partial indexes that serve
// the queue and the sweep name the same condition: SQLite would not use
// them for a query that spelled it otherwise.
func TestActiveStatus(t *testing.T) {
	for _, st := range []string{core.StatusSubmitted, core.StatusAssigned, core.StatusInProgress,
		core.StatusPreClosed, core.StatusClosed, core.StatusReopened} {
		if inSQL := strings.Contains(activeStatus, "'"+st+"'"); inSQL != core.Active(st) {
			t.Errorf("status %s: in the SQL %v, core.Active %v", st, inSQL, core.Active(st))
		}
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	in := regexp.MustCompile(`status IN \([^)]*\)`)
	n := 0
	for _, name := range names {
		body, _ := migrations.ReadFile(name)
		for _, m := range in.FindAllString(string(body), -1) {
			n++
			if m != activeStatus {
				t.Errorf("%s: %s, but the queries say %s: a change of core.ActiveStatuses needs a migration that rebuilds the index",
					name, m, activeStatus)
			}
		}
	}
	if n == 0 {
		t.Fatal("no partial index on the active statuses found")
	}
}
