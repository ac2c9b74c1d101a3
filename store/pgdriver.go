package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"
)

// The store's SQL is written once, in the SQLite dialect, and runs on
// PostgreSQL through pgDriver: pgx's database/sql driver with each
// statement translated on its way in. Translating at the driver keeps
// one copy of every query, whichever database runs it: the schema was
// made to agree (text timestamps, integer flags, "C" collation), so what
// differs is small and mechanical:
//
//   - placeholders: SQLite's ? and ?N become $1… and $N;
//   - SQLite's index hints (INDEXED BY) are dropped;
//   - an INSERT into a table with an identity id gains RETURNING id, read
//     back as the result's LastInsertId, which PostgreSQL's protocol has
//     no other way to give;
//   - a bool argument becomes 0 or 1, as go-sqlite3 stores it.
const pgDriverName = "helpdesk_postgres"

func init() { sql.Register(pgDriverName, pgDriver{}) }

// identityTables are the tables whose id PostgreSQL generates
// (migrations_postgres; TestPostgres_IdentityTables keeps the list true).
var identityTables = map[string]bool{
	"accounts": true, "profiles": true, "tickets": true, "messages": true, "outbox": true,
	"quarantine": true, "tasks": true, "held_answers": true, "outbox_attempts": true,
	"auto_mails": true, "participants": true, "answer_mails": true, "profile_addresses": true,
	"account_merges": true, "sent_mails": true, "custom_charges": true, "credit_entries": true,
	"credit_lots": true, "files": true,
}

type pgDriver struct{}

func (pgDriver) Open(dsn string) (driver.Conn, error) {
	c, err := stdlib.GetDefaultDriver().Open(dsn)
	if err != nil {
		return nil, err
	}
	return &pgConn{base: c.(*stdlib.Conn)}, nil
}

// pgConn is one PostgreSQL connection that speaks the store's dialect.
type pgConn struct{ base *stdlib.Conn }

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext checks the statement with the server; running it goes
// through the connection again, where pgx keeps it prepared.
func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	tr := translate(query)
	st, err := c.base.PrepareContext(ctx, tr.sql)
	if err != nil {
		return nil, err
	}
	n := st.NumInput()
	st.Close()
	return &pgStmt{conn: c, query: query, inputs: n}, nil
}

func (c *pgConn) Close() error              { return c.base.Close() }
func (c *pgConn) Begin() (driver.Tx, error) { return c.base.Begin() }

// BeginTx reports a connection the server ended while it sat in the pool
// (a restart, a failover, pg_terminate_backend) as driver.ErrBadConn, so
// that database/sql takes another one: nothing had been done on it.
func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.base.BeginTx(ctx, opts)
	if err != nil && c.base.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	return tx, err
}
func (c *pgConn) Ping(ctx context.Context) error              { return c.base.Ping(ctx) }
func (c *pgConn) ResetSession(ctx context.Context) error      { return c.base.ResetSession(ctx) }
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error { return checkPgValue(nv) }

// checkPgValue stores a bool as SQLite does, as the integer 0 or 1: the
// schema's flags are integers on both databases.
func checkPgValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
	}
	return nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	tr := translate(query)
	if !tr.returningID {
		return c.base.ExecContext(ctx, tr.sql, args)
	}
	rows, err := c.base.QueryContext(ctx, tr.sql, args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var res pgResult
	dest := make([]driver.Value, 1)
	for {
		err := rows.Next(dest)
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		id, ok := dest[0].(int64)
		if !ok {
			return nil, errors.New("insert returned a non-integer id")
		}
		res.id, res.n = id, res.n+1
	}
}

// QueryContext, like BeginTx, lets database/sql retry on another
// connection when the server had ended this one. Only queries: the
// store's queries outside a transaction are reads, or a claim that the
// same instance may make twice, where a repeated write might not be.
func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.base.QueryContext(ctx, translate(query).sql, args)
	if err != nil && c.base.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	return rows, err
}

// pgResult is an INSERT's result: the last id it returned and how many.
type pgResult struct{ id, n int64 }

func (r pgResult) LastInsertId() (int64, error) { return r.id, nil }
func (r pgResult) RowsAffected() (int64, error) { return r.n, nil }

type pgStmt struct {
	conn   *pgConn
	query  string
	inputs int
}

func (s *pgStmt) Close() error  { return nil }
func (s *pgStmt) NumInput() int { return s.inputs }
func (s *pgStmt) Exec([]driver.Value) (driver.Result, error) {
	return nil, errors.New("use ExecContext")
}
func (s *pgStmt) Query([]driver.Value) (driver.Rows, error) {
	return nil, errors.New("use QueryContext")
}
func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}
func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}
func (s *pgStmt) CheckNamedValue(nv *driver.NamedValue) error { return checkPgValue(nv) }

// sqliteHints matches SQLite's index hints, which PostgreSQL's planner
// does without.
var sqliteHints = regexp.MustCompile(`\s+(?:INDEXED BY \w+|NOT INDEXED)\b`)

// translated is a statement in PostgreSQL's dialect.
type translated struct {
	sql         string
	returningID bool
}

// translations caches translate's results: the store runs a few hundred
// distinct statements, each many times.
var translations sync.Map // string → translated

// translate rewrites one statement of the store's SQLite dialect for
// PostgreSQL. It is linear in the statement and skips string literals,
// quoted identifiers and comments.
func translate(query string) translated {
	if tr, ok := translations.Load(query); ok {
		return tr.(translated)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	bare := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			end := strings.IndexByte(query[i+1:], ch)
			if end < 0 {
				b.WriteString(query[i:])
				i = len(query)
				continue
			}
			b.WriteString(query[i : i+end+2])
			i += end + 1
		case ch == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end - 1
		case ch == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(query[i+1 : j])
			} else {
				bare++
				b.WriteString(strconv.Itoa(bare))
			}
			i = j - 1
		default:
			b.WriteByte(ch)
		}
	}
	tr := translated{sql: sqliteHints.ReplaceAllString(b.String(), "")}
	if table, ok := insertTable(tr.sql); ok && identityTables[table] && !strings.Contains(strings.ToUpper(tr.sql), "RETURNING") {
		tr.sql = strings.TrimRight(strings.TrimSpace(tr.sql), ";") + " RETURNING id"
		tr.returningID = true
	}
	translations.Store(query, tr)
	return tr
}

// insertTable returns the table of an INSERT statement.
func insertTable(q string) (string, bool) {
	f := strings.Fields(q)
	if len(f) < 3 || !strings.EqualFold(f[0], "INSERT") || !strings.EqualFold(f[1], "INTO") {
		return "", false
	}
	name, _, _ := strings.Cut(f[2], "(")
	return strings.ToLower(strings.Trim(name, `"`)), true
}
