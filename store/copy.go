package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"helpdesk/core"
)

// CopyReport is what CopyToPostgres copied and checked.
type CopyReport struct {
	From   string           `json:"from"`
	To     string           `json:"to"`
	Tables []CopiedTable    `json:"tables"`
	Rows   int64            `json:"rows"`
	Search int              `json:"search_indexed"` // messages indexed for search
	Credit []CreditMismatch `json:"credits_mismatches"`
}

// CopiedTable is one table's rows on each side after the copy.
type CopiedTable struct {
	Name   string `json:"name"`
	Source int64  `json:"source"`
	Target int64  `json:"target"`
}

// copyBatch is how many rows one INSERT carries: PostgreSQL takes at most
// 65,535 parameters a statement, and the widest table has 35 columns.
const copyBatch = 500

// notCopied are the tables of the PostgreSQL schema that are not copied
// row by row: its migrations' own record, the search index, which is
// rebuilt from the messages, and the gateways' leases, which SQLite has
// not.
var notCopied = map[string]bool{"schema_migrations": true, "message_search": true, "search_indexed": true,
	"leases": true}

// CopyToPostgres copies the SQLite database src, whose schema must be
// this binary's, into the empty PostgreSQL database at dsn (creating its
// schema), in one transaction: a failure leaves the target as it was. It
// refuses a target that holds any row. Afterwards it compares every
// table's row count on both sides and verifies the credit ledger on both
// (VerifyCredits); any difference is an error, and the report says what.
// The caller keeps serve away from src meanwhile.
func CopyToPostgres(ctx context.Context, src *DB, dsn string) (*CopyReport, error) {
	if src.pg {
		return nil, core.Errorf(core.EINVALID, "the source of a copy is a SQLite database")
	}
	dst, err := OpenPostgres(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	rep := &CopyReport{From: src.path, To: DescribeDSN(dsn)}
	tables, err := dst.pgTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := dst.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s in the target: %w", t.name, err)
		}
		if n > 0 {
			return nil, core.Errorf(core.EINVALID, "%s is not empty (%s has %d rows): copy only into an empty database", rep.To, t.name, n)
		}
	}
	err = dst.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
			return err
		}
		for _, t := range tables {
			if err := copyTable(ctx, src, tx, t); err != nil {
				return fmt.Errorf("copy %s: %w", t.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := dst.syncIdentities(ctx, slices.Sorted(maps.Keys(identityTables))...); err != nil {
		return nil, err
	}
	if rep.Search, err = dst.IndexSearch(ctx); err != nil {
		return nil, err
	}
	return rep, rep.check(ctx, src, dst, tables)
}

// check compares the row counts and verifies the credits on both sides.
func (rep *CopyReport) check(ctx context.Context, src, dst *DB, tables []pgTable) error {
	var differ []string
	for _, t := range tables {
		c := CopiedTable{Name: t.name}
		if err := src.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&c.Source); err != nil {
			return fmt.Errorf("count %s in the source: %w", t.name, err)
		}
		if err := dst.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&c.Target); err != nil {
			return fmt.Errorf("count %s in the target: %w", t.name, err)
		}
		rep.Tables, rep.Rows = append(rep.Tables, c), rep.Rows+c.Target
		if c.Source != c.Target {
			differ = append(differ, fmt.Sprintf("%s: %d rows, copied %d", c.Name, c.Source, c.Target))
		}
	}
	for _, db := range []*DB{src, dst} {
		bad, err := db.VerifyCredits(ctx)
		if err != nil {
			return err
		}
		rep.Credit = append(rep.Credit, bad...)
	}
	if len(rep.Credit) > 0 {
		differ = append(differ, fmt.Sprintf("%d credit ledger mismatches (credits verify)", len(rep.Credit)))
	}
	if len(differ) > 0 {
		return fmt.Errorf("the copy differs from its source: %s", strings.Join(differ, "; "))
	}
	return nil
}

// pgTable is a table of the PostgreSQL schema and the columns a copy
// writes: all but generated ones.
type pgTable struct {
	name    string
	columns []string
	binary  []bool // the column is bytea
}

// pgTables lists the tables to copy, with their columns.
func (s *DB) pgTables(ctx context.Context) ([]pgTable, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER' AND identity_generation IS DISTINCT FROM 'ALWAYS'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []pgTable
	for rows.Next() {
		var table, column, typ string
		if err := rows.Scan(&table, &column, &typ); err != nil {
			return nil, err
		}
		if notCopied[table] {
			continue
		}
		if len(out) == 0 || out[len(out)-1].name != table {
			out = append(out, pgTable{name: table})
		}
		t := &out[len(out)-1]
		t.columns, t.binary = append(t.columns, column), append(t.binary, typ == "bytea")
	}
	return out, rows.Err()
}

// keepSQLiteColumns drops the columns the SQLite table has not (those of
// several gateways: an outbox row's claim), which keep their defaults.
func (t *pgTable) keepSQLiteColumns(ctx context.Context, src *DB) error {
	rows, err := src.db.QueryContext(ctx, `SELECT * FROM `+t.name+` LIMIT 0`)
	if err != nil {
		return err
	}
	have, err := rows.Columns()
	rows.Close()
	if err != nil {
		return err
	}
	var cols []string
	var binary []bool
	for i, c := range t.columns {
		if slices.Contains(have, c) {
			cols, binary = append(cols, c), append(binary, t.binary[i])
		}
	}
	t.columns, t.binary = cols, binary
	return nil
}

// copyTable copies one table's rows, in SQLite's row order (which keeps
// the order of message_ids, whose rowid PostgreSQL numbers anew).
func copyTable(ctx context.Context, src *DB, tx *sql.Tx, t pgTable) error {
	if err := t.keepSQLiteColumns(ctx, src); err != nil {
		return err
	}
	order := " ORDER BY rowid"
	if t.name == "ticket_tags" { // WITHOUT ROWID
		order = ""
	}
	rows, err := src.db.QueryContext(ctx, `SELECT `+strings.Join(t.columns, ", ")+` FROM `+t.name+order)
	if err != nil {
		return err
	}
	defer rows.Close()
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n := len(batch) / len(t.columns)
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ") + ")"
		// RETURNING 1 keeps the driver from adding RETURNING id, which
		// a copy does not need.
		q := `INSERT INTO ` + t.name + ` (` + strings.Join(t.columns, ", ") + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + ` RETURNING 1`
		r, err := tx.QueryContext(ctx, q, batch...)
		if err != nil {
			return err
		}
		r.Close()
		batch = batch[:0]
		return r.Err()
	}
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			batch = append(batch, pgValue(v, t.binary[i]))
		}
		if len(batch) >= copyBatch*len(t.columns) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}

// pgValue converts a value as SQLite stored it to the column's type on
// PostgreSQL: SQLite keeps text in a BLOB column and bytes in a TEXT one
// as they were given.
func pgValue(v any, binary bool) any {
	switch x := v.(type) {
	case string:
		if binary {
			return []byte(x)
		}
	case []byte: // Scan gave a copy
		if !binary {
			return string(x)
		}
	}
	return v
}
