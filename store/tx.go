package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"helpdesk/core"
)

// Tx implements core.Tx on one SQLite transaction.
type Tx struct {
	tx *sql.Tx
	db *DB
	// stmts holds the transaction's statements (Stmt bound to tx),
	// shared by the Tx values of one batch: binding a prepared statement
	// to a transaction allocates and records a dependency each time.
	// Nil means bind each time.
	stmts map[string]*sql.Stmt
	// read holds each ticket as this transaction read or wrote it, so
	// UpdateTicket writes only the columns that changed: every column
	// named in an UPDATE costs the upkeep of the indexes that hold it.
	read map[int64][]any
	// created holds the addresses of the profiles this transaction
	// created: no automatic mail can have been recorded for them yet
	// (mailguard.go).
	created map[string]bool
	// fresh holds the tickets this transaction created and profiles the
	// profiles it created, as stored: a new ticket's first mail would
	// otherwise read back what it just wrote (its requester's profile)
	// or what cannot exist yet (its participants and tags), four reads
	// of the writer's dozen statements. Any other write to those tables
	// forgets them (forget), so a read after it goes to the database.
	fresh    map[int64]bool
	profiles map[int64]core.Profile
}

// forget drops what the transaction remembers of the tables query
// writes to. It errs on the side of forgetting: any statement naming
// the table counts.
func (t *Tx) forget(query string) {
	if len(t.fresh) > 0 && (strings.Contains(query, "participants") || strings.Contains(query, "ticket_tags")) {
		clear(t.fresh)
	}
	if len(t.profiles) > 0 && strings.Contains(query, "profiles") {
		clear(t.profiles)
	}
}

// The statements of a Tx are prepared once per database and reused: a
// ticket's transaction runs a dozen of them, and preparing each anew
// cost as much as running it.

func (t *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	ctx = uninterrupted(ctx)
	t.db.ran.Add(1)
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	st = t.tx.StmtContext(ctx, st)
	if t.stmts != nil {
		t.stmts[query] = st
	}
	return st, nil
}

// insertOnce runs an INSERT … ON CONFLICT DO NOTHING and reports whether
// it wrote the row. A duplicate is an answer, never a failed statement:
// PostgreSQL ends a transaction at its first failed statement, and the
// rules go on after a duplicate (an event handled already, a profile
// made meanwhile).
func (t *Tx) insertOnce(ctx context.Context, query string, args ...any) (sql.Result, bool, error) {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return nil, false, err
	}
	n, err := res.RowsAffected()
	return res, n > 0, err
}

func (t *Tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.forget(query)
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(uninterrupted(ctx), args...)
}

func (t *Tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(uninterrupted(ctx), args...)
}

// errRow is a *sql.Row stand-in when preparing failed.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (t *Tx) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(uninterrupted(ctx), args...)
}

var _ core.Tx = (*Tx)(nil)

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return core.Errorf(core.ENOTFOUND, "%s not found", what)
	}
	return err
}

const profileColumns = `id, account_id, email, name, role, created_at, bouncing_since, bounce_status,
	language, mail_language, notifications_off`

func scanProfile(row scanner) (*core.Profile, error) {
	var p core.Profile
	var created, bouncing string
	if err := row.Scan(&p.ID, &p.AccountID, &p.Email, &p.Name, &p.Role, &created, &bouncing, &p.BounceStatus,
		&p.Language, &p.MailLanguage, &p.NotificationsOff); err != nil {
		return nil, notFound(err, "profile")
	}
	p.CreatedAt, p.BouncingSince = parseTime(created), parseTime(bouncing)
	return &p, nil
}

func (t *Tx) Profile(ctx context.Context, id int64) (*core.Profile, error) {
	if p, ok := t.profiles[id]; ok {
		return &p, nil
	}
	return scanProfile(t.queryRow(ctx, `SELECT `+profileColumns+` FROM profiles WHERE id = ?`, id))
}

func (t *Tx) ProfileByEmail(ctx context.Context, email string) (*core.Profile, error) {
	return scanProfile(t.queryRow(ctx, `SELECT `+profileColumns+` FROM profiles WHERE email = ?`, email))
}

// UpdateProfile writes the profile's account, name, role, bounce state,
// languages and notifications.
func (t *Tx) UpdateProfile(ctx context.Context, p *core.Profile) error {
	_, err := t.exec(ctx, `UPDATE profiles SET account_id = ?, name = ?, role = ?, bouncing_since = ?, bounce_status = ?,
		language = ?, mail_language = ?, notifications_off = ? WHERE id = ?`,
		p.AccountID, p.Name, p.Role, fmtOptTime(p.BouncingSince), p.BounceStatus, p.Language, p.MailLanguage, p.NotificationsOff, p.ID)
	if err != nil {
		return fmt.Errorf("update profile %d: %w", p.ID, err)
	}
	return nil
}

const accountColumns = `id, kind, name, created_at, hotrush_disables, subscription_until, incidents, priority_factor,
	credits, preagree, COALESCE(merged_into, 0)`

func (t *Tx) Account(ctx context.Context, id int64) (*core.Account, error) {
	return scanAccount(t.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
}

func scanAccount(row scanner) (*core.Account, error) {
	var a core.Account
	var created, sub string
	if err := row.Scan(&a.ID, &a.Kind, &a.Name, &created, &a.HotRushDisables, &sub, &a.Incidents, &a.PriorityFactor,
		&a.Credits, &a.Preagree, &a.MergedInto); err != nil {
		return nil, notFound(err, "account")
	}
	a.CreatedAt, a.SubscriptionUntil = parseTime(created), parseTime(sub)
	return &a, nil
}

// UpdateAccount writes the account's mutable fields; never its credits,
// which only PostCredits changes.
func (t *Tx) UpdateAccount(ctx context.Context, a *core.Account) error {
	_, err := t.exec(ctx, `UPDATE accounts SET kind = ?, name = ?, hotrush_disables = ?,
		subscription_until = ?, incidents = ?, priority_factor = ?, preagree = ? WHERE id = ?`,
		a.Kind, a.Name, a.HotRushDisables, fmtOptTime(a.SubscriptionUntil), a.Incidents, a.PriorityFactor,
		a.Preagree, a.ID)
	if err != nil {
		return fmt.Errorf("update account %d: %w", a.ID, err)
	}
	return nil
}

// PriorityStats returns the sum of priority levels and the number of the
// account's tickets opened since the given time (docs/rules.md §3).
func (t *Tx) PriorityStats(ctx context.Context, account int64, since time.Time) (sum, n int, err error) {
	err = t.queryRow(ctx, `SELECT COALESCE(SUM(CASE priority WHEN 'major' THEN 3 WHEN 'minor' THEN 1 ELSE 2 END), 0),
		COUNT(*) FROM tickets WHERE account_id = ? AND created_at >= ?`, account, fmtTime(since)).Scan(&sum, &n)
	return sum, n, err
}

// SetAccountRank writes the account's factor into the rank of its open
// tickets, so the queue's index stays in order.
func (t *Tx) SetAccountRank(ctx context.Context, account int64, factor float64) error {
	_, err := t.exec(ctx, `UPDATE tickets SET rank = CAST(? AS DOUBLE PRECISION) * CASE priority WHEN 'major' THEN 3 WHEN 'minor' THEN 1 ELSE 2 END
		WHERE account_id = ? AND status != 'closed'`, factor, account)
	return err
}

func (t *Tx) CreateAccount(ctx context.Context, a *core.Account) error {
	res, err := t.exec(ctx, `INSERT INTO accounts (kind, name, created_at) VALUES (?, ?, ?)`,
		a.Kind, a.Name, fmtTime(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert account: %w", err)
	}
	a.ID, err = res.LastInsertId()
	return err
}

func (t *Tx) CreateProfile(ctx context.Context, p *core.Profile) error {
	res, added, err := t.insertOnce(ctx,
		`INSERT INTO profiles (account_id, email, name, role, created_at, language, mail_language, notifications_off)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		p.AccountID, p.Email, p.Name, p.Role, fmtTime(p.CreatedAt), p.Language, p.MailLanguage, p.NotificationsOff)
	if err != nil {
		return fmt.Errorf("insert profile: %w", err)
	}
	if !added {
		return core.Errorf(core.ECONFLICT, "profile %s exists", p.Email)
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if t.created == nil {
		t.created, t.profiles = map[string]bool{}, map[int64]core.Profile{}
	}
	t.created[p.Email] = true
	// As a read would return it: the columns the insert leaves to their
	// defaults, the time as stored.
	stored := *p
	stored.CreatedAt, stored.BouncingSince, stored.BounceStatus = parseTime(fmtTime(p.CreatedAt)), time.Time{}, ""
	t.profiles[p.ID] = stored
	return nil
}

const ticketColumns = `id, account_id, profile_id, department, type, status, priority, hotrush,
	subject, slack_channel, slack_ts, created_at, updated_at, assignee, solved, hotrush_paid, last_public_at,
	status_at, closed_at, COALESCE(predecessor, 0), rating_score, rating_comment, awaiting_reply, rank,
	sla_state, sla_start, sla_risk_at, sla_due, category, credits_charged, preagreed, credits_hold, answered`

type scanner interface{ Scan(dest ...any) error }

func scanTicket(row scanner) (*core.Ticket, error) {
	var tk core.Ticket
	var created, updated, lastPublic, statusAt, closedAt, slaStart, slaRisk, slaDue string
	err := row.Scan(&tk.Number, &tk.AccountID, &tk.ProfileID, &tk.Department, &tk.Type, &tk.Status,
		&tk.Priority, &tk.HotRush, &tk.Subject, &tk.SlackChannel, &tk.SlackTS, &created, &updated,
		&tk.Assignee, &tk.Solved, &tk.HotRushPaid, &lastPublic, &statusAt, &closedAt, &tk.Predecessor,
		&tk.RatingScore, &tk.RatingComment, &tk.AwaitingReply, &tk.Rank,
		&tk.SLAState, &slaStart, &slaRisk, &slaDue, &tk.Category, &tk.Charged, &tk.Preagreed, &tk.Hold, &tk.Answered)
	if err != nil {
		return nil, notFound(err, "ticket")
	}
	tk.CreatedAt, tk.UpdatedAt = parseTime(created), parseTime(updated)
	tk.LastPublicAt, tk.StatusAt, tk.ClosedAt = parseTime(lastPublic), parseTime(statusAt), parseTime(closedAt)
	tk.SLAStart, tk.SLARiskAt, tk.SLADue = parseTime(slaStart), parseTime(slaRisk), parseTime(slaDue)
	return &tk, nil
}

// fmtOptTime stores the zero time as "" (never set).
func fmtOptTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

func ticketArgs(tk *core.Ticket) []any {
	var pred any
	if tk.Predecessor != 0 {
		pred = tk.Predecessor
	}
	return []any{tk.AccountID, tk.ProfileID, tk.Department, tk.Type, tk.Status, tk.Priority, tk.HotRush,
		tk.Subject, fmtTime(tk.CreatedAt), fmtTime(tk.UpdatedAt), tk.Assignee, tk.Solved, tk.HotRushPaid,
		fmtOptTime(tk.LastPublicAt), fmtOptTime(tk.StatusAt), fmtOptTime(tk.ClosedAt), pred, tk.RatingScore,
		tk.RatingComment, tk.AwaitingReply, tk.Rank, tk.SLAState, fmtOptTime(tk.SLAStart),
		fmtOptTime(tk.SLARiskAt), fmtOptTime(tk.SLADue), tk.Category, tk.Charged, tk.Preagreed, tk.Hold, tk.Answered}
}

const ticketWriteColumns = `account_id, profile_id, department, type, status, priority, hotrush, subject,
	created_at, updated_at, assignee, solved, hotrush_paid, last_public_at, status_at, closed_at, predecessor,
	rating_score, rating_comment, awaiting_reply, rank, sla_state, sla_start, sla_risk_at, sla_due,
	category, credits_charged, preagreed, credits_hold, answered`

// ticketUpdateColumns are the columns UpdateTicket may write, in the
// order of ticketUpdateArgs.
var ticketUpdateColumns = append(strings.Split(strings.Join(strings.Fields(ticketWriteColumns), ""), ","),
	"slack_channel", "slack_ts")

func ticketUpdateArgs(tk *core.Ticket) []any {
	return append(ticketArgs(tk), tk.SlackChannel, tk.SlackTS)
}

func (t *Tx) remember(tk *core.Ticket) {
	if t.read == nil {
		t.read = map[int64][]any{}
	}
	t.read[tk.Number] = ticketUpdateArgs(tk)
}

// UpdateTicket writes the fields of the ticket that changed since this
// transaction read it (all of them for a ticket it did not read).
func (t *Tx) UpdateTicket(ctx context.Context, tk *core.Ticket) error {
	args := ticketUpdateArgs(tk)
	old, known := t.read[tk.Number]
	var set []string
	var vals []any
	for i, col := range ticketUpdateColumns {
		if known && old[i] == args[i] {
			continue
		}
		set = append(set, col+" = ?")
		vals = append(vals, args[i])
	}
	if len(set) == 0 {
		return nil
	}
	_, err := t.exec(ctx, `UPDATE tickets SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(vals, tk.Number)...)
	if err != nil {
		return fmt.Errorf("update ticket %d: %w", tk.Number, err)
	}
	t.remember(tk)
	return nil
}

func (t *Tx) Ticket(ctx context.Context, number int64) (*core.Ticket, error) {
	tk, err := scanTicket(t.queryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, number))
	if err == nil {
		t.remember(tk)
	}
	return tk, err
}

func (t *Tx) TicketByMessageID(ctx context.Context, messageID string) (int64, error) {
	var n int64
	err := t.queryRow(ctx,
		`SELECT ticket_id FROM message_ids WHERE message_id = ? ORDER BY rowid LIMIT 1`, messageID).Scan(&n)
	return n, notFound(err, "message")
}

func (t *Tx) CreateTicket(ctx context.Context, tk *core.Ticket) error {
	res, err := t.exec(ctx, `INSERT INTO tickets (`+ticketWriteColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ticketArgs(tk)...)
	if err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	if tk.Number, err = res.LastInsertId(); err != nil {
		return err
	}
	t.remember(tk)
	if t.fresh == nil {
		t.fresh = map[int64]bool{}
	}
	t.fresh[tk.Number] = true
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (t *Tx) AddMessage(ctx context.Context, m *core.Message) error {
	atts, err := json.Marshal(nonNil(m.Attachments))
	if err != nil {
		return err
	}
	auth, err := authJSON(m.Auth)
	if err != nil {
		return err
	}
	res, added, err := t.insertOnce(ctx, `INSERT INTO messages (ticket_id, direction, profile_id, from_addr,
		message_id, body_hash, subject, text, quoted, auto, auto_reason, attachments, raw, created_at, auth)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		nullID(m.Ticket), m.Direction, nullID(m.ProfileID), m.From, m.MessageID, m.BodyHash, m.Subject,
		m.Text, m.Quoted, m.Auto, m.AutoReason, string(atts), m.Raw, fmtTime(m.CreatedAt), auth)
	if err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	if !added {
		return core.Errorf(core.ECONFLICT, "message <%s> is stored already", m.MessageID)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if m.Ticket == 0 || m.Direction != core.DirInbound {
		return nil
	}
	_, err = t.exec(ctx, `INSERT INTO message_ids (message_id, ticket_id, message, direction)
		VALUES (?, ?, ?, 'inbound')`, m.MessageID, m.Ticket, m.ID)
	if err != nil {
		return fmt.Errorf("index message: %w", err)
	}
	return nil
}

func nonNil(a []core.Attachment) []core.Attachment {
	if a == nil {
		return []core.Attachment{}
	}
	return a
}

func (t *Tx) IndexSent(ctx context.Context, messageID string, ticket int64) error {
	_, err := t.exec(ctx, `INSERT INTO message_ids (message_id, ticket_id, direction)
		VALUES (?, ?, 'outbound')`, messageID, ticket)
	if err != nil {
		return fmt.Errorf("index sent message: %w", err)
	}
	return nil
}

func (t *Tx) Enqueue(ctx context.Context, item *core.OutboxItem) error {
	if item.Lane == "" {
		item.Lane = core.LaneOf(item.Kind)
	}
	res, err := t.exec(ctx, `INSERT INTO outbox (kind, lane, ticket_id, payload, next_attempt, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, item.Kind, item.Lane, nullID(item.Ticket), item.Payload,
		fmtOptTime(item.NextAttempt), fmtTime(item.CreatedAt))
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", item.Kind, err)
	}
	item.ID, err = res.LastInsertId()
	return err
}
