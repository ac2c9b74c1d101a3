package store

import (
	"context"
	"fmt"
	"time"

	"helpdesk/core"
)

var _ core.AccountsTx = (*Tx)(nil)

// ChangeProfileEmail implements core.AccountsTx.
func (t *Tx) ChangeProfileEmail(ctx context.Context, p *core.Profile, email string, at time.Time) error {
	// Looked up first rather than left to the unique index: on PostgreSQL
	// a failed statement would end the caller's transaction.
	var taken int
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM profiles WHERE email = ? AND id != ?`, email, p.ID).Scan(&taken); err != nil {
		return fmt.Errorf("look up address %s: %w", email, err)
	}
	if taken > 0 {
		return core.Errorf(core.ECONFLICT, "another profile has %s", email)
	}
	if _, err := t.exec(ctx, `INSERT INTO profile_addresses (profile_id, email, until) VALUES (?, ?, ?)`,
		p.ID, p.Email, fmtTime(at)); err != nil {
		return fmt.Errorf("record old address of profile %d: %w", p.ID, err)
	}
	_, err := t.exec(ctx, `UPDATE profiles SET email = ? WHERE id = ?`, email, p.ID)
	if isUnique(err) {
		return core.Errorf(core.ECONFLICT, "another profile has %s", email)
	}
	if err != nil {
		return fmt.Errorf("change address of profile %d: %w", p.ID, err)
	}
	p.Email = email
	return nil
}

// AccountProfiles implements core.AccountsTx.
func (t *Tx) AccountProfiles(ctx context.Context, account int64) ([]core.Profile, error) {
	rows, err := t.query(ctx, `SELECT `+profileColumns+` FROM profiles WHERE account_id = ? ORDER BY id`, account)
	if err != nil {
		return nil, fmt.Errorf("profiles of account %d: %w", account, err)
	}
	defer rows.Close()
	var out []core.Profile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// MergeAccount implements core.AccountsTx.
func (t *Tx) MergeAccount(ctx context.Context, m *core.AccountMerge) error {
	var left int
	if err := t.queryRow(ctx, `SELECT COALESCE(SUM(remaining), 0) FROM credit_lots WHERE account_id = ?`,
		m.From).Scan(&left); err != nil {
		return fmt.Errorf("merge account %d: %w", m.From, err)
	}
	if left != 0 {
		return fmt.Errorf("merge account %d: its lots still hold %d credits", m.From, left)
	}
	moves := []struct {
		query string
		n     *int
	}{
		{`UPDATE profiles SET account_id = ? WHERE account_id = ?`, &m.Profiles},
		{`UPDATE tickets SET account_id = ? WHERE account_id = ?`, &m.Tickets},
		{`UPDATE credit_lots SET account_id = ? WHERE account_id = ?`, nil},
	}
	for _, mv := range moves {
		res, err := t.exec(ctx, mv.query, m.To, m.From)
		if err != nil {
			return fmt.Errorf("merge account %d into %d: %w", m.From, m.To, err)
		}
		if mv.n != nil {
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			*mv.n = int(n)
		}
	}
	if _, err := t.exec(ctx, `UPDATE accounts SET merged_into = ? WHERE id = ?`, m.To, m.From); err != nil {
		return fmt.Errorf("mark account %d merged: %w", m.From, err)
	}
	return t.queryRow(ctx, `INSERT INTO account_merges (from_id, to_id, credits, at) VALUES (?, ?, ?, ?) RETURNING id`,
		m.From, m.To, m.Credits, fmtTime(m.At)).Scan(&m.ID)
}

// ProfileView is a profile as `helpdesk profile show --json` prints it.
type ProfileView struct {
	ID            int64    `json:"id"`
	Account       int64    `json:"account"`
	Email         string   `json:"email"`
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	Language      string   `json:"language"`      // chosen; "" when not
	MailLanguage  string   `json:"mail_language"` // of the latest mail
	Notifications bool     `json:"notifications"`
	Bouncing      bool     `json:"bouncing"`
	Tickets       int      `json:"tickets"`
	FormerEmails  []string `json:"former_emails"`
}

// AccountView is an account as `helpdesk account list|show --json`
// prints it.
type AccountView struct {
	ID       int64         `json:"id"`
	Kind     string        `json:"kind"`
	Name     string        `json:"name"`
	Credits  int           `json:"credits"`
	Tickets  int           `json:"tickets"`
	Profiles []ProfileView `json:"profiles"`
	// MergedInto is the account this one was merged into; 0 when none.
	MergedInto int64 `json:"merged_into"`
}

// Accounts returns every account with its profiles, by id; id > 0 picks
// one (ENOTFOUND when there is none).
func (s *DB) Accounts(ctx context.Context, id int64) ([]AccountView, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.kind, a.name, a.credits,
		(SELECT COUNT(*) FROM tickets WHERE account_id = a.id), COALESCE(a.merged_into, 0) FROM accounts a WHERE ? = 0 OR a.id = ? ORDER BY a.id`, id, id)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	var out []AccountView
	for rows.Next() {
		var a AccountView
		if err := rows.Scan(&a.ID, &a.Kind, &a.Name, &a.Credits, &a.Tickets, &a.MergedInto); err != nil {
			rows.Close()
			return nil, err
		}
		a.Profiles = []ProfileView{}
		out = append(out, a)
	}
	rows.Close()
	if id > 0 && len(out) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "account %d not found", id)
	}
	for i := range out {
		if out[i].Profiles, err = s.profiles(ctx, `account_id = ?`, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Profile returns the profile with an address, or ENOTFOUND.
func (s *DB) Profile(ctx context.Context, email string) (*ProfileView, error) {
	ps, err := s.profiles(ctx, `email = ?`, core.NormalizeAddress(email))
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, core.Errorf(core.ENOTFOUND, "profile %s not found", email)
	}
	return &ps[0], nil
}

func (s *DB) profiles(ctx context.Context, where string, arg any) ([]ProfileView, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, account_id, email, name, role, language, mail_language,
		notifications_off, bouncing_since != '', (SELECT COUNT(*) FROM tickets WHERE profile_id = profiles.id)
		FROM profiles WHERE `+where+` ORDER BY id`, arg)
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	out := []ProfileView{}
	for rows.Next() {
		var p ProfileView
		var off bool
		if err := rows.Scan(&p.ID, &p.Account, &p.Email, &p.Name, &p.Role, &p.Language, &p.MailLanguage, &off,
			&p.Bouncing, &p.Tickets); err != nil {
			rows.Close()
			return nil, err
		}
		p.Notifications, p.FormerEmails = !off, []string{}
		out = append(out, p)
	}
	rows.Close()
	for i := range out {
		hist, err := s.db.QueryContext(ctx, `SELECT email FROM profile_addresses WHERE profile_id = ? ORDER BY id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for hist.Next() {
			var e string
			if err := hist.Scan(&e); err != nil {
				hist.Close()
				return nil, err
			}
			out[i].FormerEmails = append(out[i].FormerEmails, e)
		}
		hist.Close()
	}
	return out, nil
}
