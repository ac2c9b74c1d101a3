package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/pgtest"
)

func TestTranslate(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c = ?`, `SELECT a FROM t WHERE b = $1 AND c = $2`},
		{`UPDATE t SET a = ?2 WHERE b = ?1 OR c = ?1`, `UPDATE t SET a = $2 WHERE b = $1 OR c = $1`},
		{`SELECT '?' || ? FROM "odd?name" -- a comment?` + "\nWHERE x = ?", `SELECT '?' || $1 FROM "odd?name" -- a comment?` + "\nWHERE x = $2"},
		{`SELECT 'it''s' , ?`, `SELECT 'it''s' , $1`},
		{`SELECT id FROM outbox AS o INDEXED BY outbox_pending WHERE state = ?`, `SELECT id FROM outbox AS o WHERE state = $1`},
		{`INSERT INTO tickets (a) VALUES (?)`, `INSERT INTO tickets (a) VALUES ($1) RETURNING id`},
		{`INSERT INTO messages (a) VALUES (?) RETURNING id, a`, `INSERT INTO messages (a) VALUES ($1) RETURNING id, a`},
		{`INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING`, `INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
	}
	for _, c := range cases {
		if got := translate(c.in).sql; got != c.want {
			t.Errorf("translate(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// The tables whose INSERT gains RETURNING id are the ones whose id
// PostgreSQL generates.
func TestPostgres_IdentityTables(t *testing.T) {
	db := mustOpenPostgres(t)
	rows, err := db.db.Query(`SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got, want []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	for name := range identityTables {
		want = append(want, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("identity tables\n got %v\nwant %v", got, want)
	}
}

// Two gateways on one PostgreSQL database take turns as the writers of
// one process do: 40 charges of 10 from two instances against a lot of
// 100 leave exactly 10 charged, the balance at 0, and every entry's
// running balance right (the ledger's read-then-write sees every commit
// before it).
func TestPostgres_TwoInstancesTakeTurns(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	tk := mustTicket(t, a, "ann@shop.example")
	grant := &core.Posting{
		Entry: core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditGrant, Amount: 100, By: "admin", Reason: "license", At: t0},
		Lots:  []core.Lot{{AccountID: tk.AccountID, Kind: core.CreditGrant, Credits: 100, AddedAt: t0, ExpiresAt: t0.AddDate(2, 0, 0)}},
	}
	mustPost(t, a, grant)
	dbs := make([]*DB, 40)
	for i := range dbs {
		dbs[i] = []*DB{a, b}[i%2]
	}
	errs := atOnce(dbs, func(i int, tx core.Tx) error {
		acc, err := tx.Account(ctx, tk.AccountID)
		if err != nil {
			return err
		}
		if acc.Credits < 10 {
			return core.Errorf(core.ECREDITS, "balance %d", acc.Credits)
		}
		return tx.PostCredits(ctx, &core.Posting{
			Entry: core.LedgerEntry{AccountID: tk.AccountID, Kind: core.CreditManual, Amount: -10,
				By: "U0AGENT", Reason: fmt.Sprint("charge ", i), At: t0},
			Spends: []core.Spend{{Lot: grant.Lots[0].ID, Credits: 10}},
		})
	})
	charged := 0
	for i, err := range errs {
		switch {
		case err == nil:
			charged++
		case core.ErrorCode(err) != core.ECREDITS:
			t.Errorf("charge %d: %v, want success or %s", i, err, core.ECREDITS)
		}
	}
	if charged != 10 {
		t.Errorf("%d charges went through, want 10", charged)
	}
	for _, db := range []*DB{a, b} {
		if bad, err := db.VerifyCredits(ctx); err != nil || len(bad) != 0 {
			t.Errorf("verify credits: %+v, %v", bad, err)
		}
	}
}

// A first mail from a new address reaching two gateways at once makes one
// profile, and neither mail fails: each transaction looks the address up
// after the other's commit, as on one gateway. (Without the write lock,
// both would find none and the second INSERT would break the unique
// address.)
func TestPostgres_TwoInstancesSeeEachOther(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	acc := mustTicket(t, a, "ann@shop.example").AccountID
	for round := range 20 {
		email := fmt.Sprintf("new%d@shop.example", round)
		ids := make([]int64, 2)
		errs := atOnce([]*DB{a, b}, func(i int, tx core.Tx) error {
			p, err := tx.ProfileByEmail(ctx, email)
			if core.ErrorCode(err) == core.ENOTFOUND {
				p = &core.Profile{AccountID: acc, Email: email, Role: core.RoleSecondary, CreatedAt: t0}
				err = tx.CreateProfile(ctx, p)
			}
			if err == nil {
				ids[i] = p.ID
			}
			return err
		})
		if errs[0] != nil || errs[1] != nil || ids[0] != ids[1] {
			t.Fatalf("round %d: profiles %v, errors %v; want one profile, no error", round, ids, errs)
		}
	}
}

// The same mail stored by two gateways at once is stored once: the other
// gets ECONFLICT, as a second delivery to one gateway does.
func TestPostgres_SameMailTwoInstances(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	tk := mustTicket(t, a, "ann@shop.example")
	for round := range 20 {
		errs := atOnce([]*DB{a, b}, func(_ int, tx core.Tx) error {
			return tx.AddMessage(ctx, &core.Message{Ticket: tk.Number, Direction: core.DirInbound,
				From: "ann@shop.example", MessageID: fmt.Sprintf("m%d@shop.example", round), BodyHash: "h",
				Text: "hello", CreatedAt: t0})
		})
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case core.ErrorCode(err) == core.ECONFLICT:
				conflict++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("round %d: %d stored, %d conflicts; want 1 and 1", round, ok, conflict)
		}
	}
}

// atOnce runs fn in a transaction on each database at the same time and
// returns their errors: gateways racing on one PostgreSQL database.
func atOnce(dbs []*DB, fn func(i int, tx core.Tx) error) []error {
	errs := make([]error, len(dbs))
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Tx(context.Background(), func(tx core.Tx) error { return fn(i, tx) })
		}()
	}
	wg.Wait()
	return errs
}

// pgDSN is a fresh PostgreSQL database; the tests about PostgreSQL itself
// run on the PostgreSQL run only.
func pgDSN(t *testing.T) string {
	t.Helper()
	if testDriver != "postgres" {
		t.Skipf("about PostgreSQL itself; this run is on %s", testDriver)
	}
	return pgtest.DSN(t)
}

func mustOpenPostgres(t *testing.T) *DB { return mustOpenDSN(t, pgDSN(t)) }

func mustOpenDSN(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A lease is one instance's until it expires or is released; then
// another takes it. Expiry is the server's clock: a lease taken for a
// negative time has already ended.
func TestPostgres_Leases(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	steps := []struct {
		db   *DB
		name string
		ttl  time.Duration
		want bool
	}{
		{a, "sweep", time.Minute, true},
		{b, "sweep", time.Minute, false}, // a holds it
		{a, "sweep", time.Minute, true},  // a renews it
		{b, "imap:support", time.Minute, true},
		{a, "imap:support", time.Minute, false},
		{b, "expired", -time.Second, true},
		{a, "expired", time.Minute, true}, // b's lease has ended
		{b, "expired", time.Minute, false},
	}
	for i, st := range steps {
		got, err := st.db.HoldLease(ctx, st.name, st.ttl)
		if err != nil || got != st.want {
			t.Fatalf("step %d: %s holds %s: %v, %v; want %v", i, st.db.Instance(), st.name, got, err, st.want)
		}
	}
	if err := a.ReleaseLease(ctx, "sweep"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.HoldLease(ctx, "sweep", time.Minute); err != nil || !got {
		t.Fatalf("after a released the sweep, b holds it: %v, %v; want true", got, err)
	}
}

// Two gateways draining one outbox: a row Due hands to one instance is
// not handed to the other while the claim lasts, a ticket's later row
// waits while another instance holds its earlier one, and a claim that
// ended (its gateway died) lets the other instance send the row.
func TestPostgres_OutboxClaims(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	one, two := mustTicket(t, a, "ann@shop.example"), mustTicket(t, a, "bob@shop.example")
	ids := mustEnqueueMail(t, a, one.Number, one.Number, two.Number)
	due := func(db *DB, limit int) []int64 {
		t.Helper()
		items, err := db.Due(ctx, t0, limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, it := range items {
			got = append(got, it.ID)
		}
		return got
	}
	if got := due(a, 1); !slices.Equal(got, ids[:1]) {
		t.Fatalf("a's first Due %v, want %v", got, ids[:1])
	}
	// b skips a's row and the row of the same ticket behind it.
	if got := due(b, 10); !slices.Equal(got, ids[2:]) {
		t.Fatalf("b's Due %v, want only the other ticket's %v", got, ids[2:])
	}
	// a's own claim is a's again.
	if got := due(a, 10); !slices.Equal(got, ids[:2]) {
		t.Fatalf("a's second Due %v, want %v", got, ids[:2])
	}
	// a dies: its claims end, and b sends the ticket's rows in order.
	if _, err := a.db.ExecContext(ctx, `UPDATE outbox SET claimed_until = clock_timestamp() - interval '1 second' WHERE claimed_by = ?`, a.Instance()); err != nil {
		t.Fatal(err)
	}
	if got := due(b, 10); !slices.Equal(got, ids) {
		t.Fatalf("b's Due after a's claims ended %v, want %v", got, ids)
	}
	if err := b.DoneAll(ctx, []core.OutboxSent{{ID: ids[0], At: t0}, {ID: ids[1], At: t0}, {ID: ids[2], At: t0}}); err != nil {
		t.Fatal(err)
	}
	if got := due(a, 10); len(got) != 0 {
		t.Fatalf("a's Due after b sent all %v, want none", got)
	}
}

// mustEnqueueMail queues an email row, due at t0, for each of tickets in
// one transaction, and returns their ids.
func mustEnqueueMail(t *testing.T, db *DB, tickets ...int64) []int64 {
	t.Helper()
	var ids []int64
	err := db.Tx(context.Background(), func(tx core.Tx) error {
		for _, tk := range tickets {
			it := &core.OutboxItem{Kind: core.OutboxEmail, Lane: core.LaneMail, Ticket: tk, Payload: []byte("{}"), NextAttempt: t0, CreatedAt: t0}
			if err := tx.Enqueue(context.Background(), it); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestPostgres_OutboxClaimsRenewed: a gateway whose batch outlasts the
// claim renews it, so another gateway does not send the batch's rows a
// second time; a renewal takes no row claimed by another gateway.
func TestPostgres_OutboxClaimsRenewed(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	a, b := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	var tickets []int64
	for _, who := range []string{"ann@shop.example", "bob@shop.example", "cy@shop.example"} {
		tickets = append(tickets, mustTicket(t, a, who).Number)
	}
	ids := mustEnqueueMail(t, a, tickets...)
	if items, err := a.Due(ctx, t0, 10); err != nil || len(items) != 3 {
		t.Fatalf("a's Due: %d rows, %v; want 3", len(items), err)
	}
	// a's batch has run almost as long as its claim.
	age := func() {
		t.Helper()
		if _, err := a.db.ExecContext(ctx, `UPDATE outbox SET claimed_until = clock_timestamp() + interval '1 second' WHERE claimed_by = ?`, a.Instance()); err != nil {
			t.Fatal(err)
		}
	}
	age()
	if err := a.RenewClaims(ctx, ids[:2]); err != nil {
		t.Fatal(err)
	}
	if err := b.RenewClaims(ctx, ids); err != nil {
		t.Fatal(err)
	}
	// The claims a renewed end later than the claim's length from now;
	// the row it did not renew still ends within the second, and b's
	// renewal took nothing.
	for i, id := range ids {
		var by string
		var left float64
		if err := a.db.QueryRowContext(ctx, `SELECT claimed_by, EXTRACT(EPOCH FROM claimed_until - clock_timestamp())::float8 FROM outbox WHERE id = ?`, id).Scan(&by, &left); err != nil {
			t.Fatal(err)
		}
		if by != a.Instance() {
			t.Errorf("row %d claimed by %q after b's renewal, want a's %q", id, by, a.Instance())
		}
		renewed := i < 2
		if renewed && left < OutboxClaim.Seconds()-30 || !renewed && left > 1 {
			t.Errorf("row %d: claim ends in %.1f s (renewed %v)", id, left, renewed)
		}
	}
	// A row being marked sent (locked by DoneAll's transaction) is passed
	// over, not waited for.
	lock, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `SELECT id FROM outbox WHERE id = ? FOR UPDATE`, ids[0]); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.RenewClaims(wait, ids[:2]); err != nil {
		t.Fatalf("renewing beside a row being marked: %v", err)
	}
	lock.Rollback()
	// The unrenewed claim ends: b takes that row, not the renewed ones.
	if _, err := a.db.ExecContext(ctx, `UPDATE outbox SET claimed_until = clock_timestamp() - interval '1 second' WHERE id = ?`, ids[2]); err != nil {
		t.Fatal(err)
	}
	items, err := b.Due(ctx, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].ID != ids[2] {
		t.Fatalf("b's Due after a renewed two claims: %+v, want only row %d", items, ids[2])
	}
}

// The PostgreSQL schema has every table and column of the SQLite one, so
// that the same SQL runs on both and a copy loses nothing: a SQLite
// migration without its PostgreSQL twin fails here. PostgreSQL's own
// additions are listed.
func TestPostgres_SchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	pg := mustOpenPostgres(t)
	lite, err := Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pgOnly := map[string]bool{"message_ids.rowid": true, "outbox.claimed_by": true, "outbox.claimed_until": true,
		"leases.*": true, "message_search.*": true}
	columns := func(db *DB, q string) map[string]bool {
		t.Helper()
		rows, err := db.db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			if !pgOnly[table+".*"] && !pgOnly[table+"."+column] {
				out[table+"."+column] = true
			}
		}
		return out
	}
	want := columns(lite, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'message_search%'`)
	got := columns(pg, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`)
	for c := range want {
		if !got[c] {
			t.Errorf("PostgreSQL lacks %s", c)
		}
	}
	for c := range got {
		if !want[c] {
			t.Errorf("PostgreSQL has %s, which SQLite has not (add it to pgOnly if that is meant)", c)
		}
	}
}

// The server ending the store's connections (a restart, a failover, an
// admin's pg_terminate_backend) costs at most the write in flight, which
// fails as temporary: the next one gets a new connection.
func TestPostgres_WritesSurviveALostConnection(t *testing.T) {
	ctx := context.Background()
	dsn := pgDSN(t)
	db, admin := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
	mustTicket(t, db, "ann@shop.example")
	if _, err := admin.db.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid != pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	var errs []error
	for range 2 {
		err := db.Tx(ctx, func(tx core.Tx) error { _, err := tx.Ticket(ctx, 1); return err })
		if err == nil {
			return
		}
		if core.ErrorCode(err) != core.ETEMPORARY {
			t.Fatalf("write after the connections ended: %v, want success or a temporary error", err)
		}
		errs = append(errs, err)
	}
	t.Fatalf("two writes after the connections ended failed: %v", errs)
}
