package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"helpdesk/core"
)

// bm25Weights weigh a match by the column it is in: a word of the
// subject says more about a ticket than one of a long text.
var bm25Weights = [...]float64{2, 1} // subject, text

// bm25 is the Okapi BM25 relevance of one row of message_search, from
// matchinfo(message_search, 'pcnalx'), higher is better: FTS4 matches and
// makes snippets but ranks nothing itself. Registered as helpdesk_bm25 on
// every connection; a malformed blob ranks 0.
func bm25(info []byte) float64 {
	const k1, b = 1.2, 0.75
	n := len(info) / 4
	u := func(i int) float64 { return float64(binary.NativeEndian.Uint32(info[4*i:])) }
	if n < 3 {
		return 0
	}
	p, c, rows := int(u(0)), int(u(1)), u(2)
	if p < 0 || c < 0 || n < 3+2*c+3*p*c {
		return 0
	}
	var score float64
	for i := range p {
		for j := range c {
			x := 3 + 2*c + 3*(i*c+j)
			tf, docs := u(x), u(x+2)
			if tf == 0 {
				continue
			}
			idf := math.Max(math.Log((rows-docs+0.5)/(docs+0.5)), 1e-6)
			avg, length := u(3+j), u(3+c+j)
			norm := 1.0
			if avg > 0 {
				norm = 1 - b + b*length/avg
			}
			w := 1.0
			if j < len(bm25Weights) {
				w = bm25Weights[j]
			}
			score += w * idf * tf * (k1 + 1) / (tf + k1*norm)
		}
	}
	return score
}

// matchExpr is the FTS4 query of terms from core.SearchTerms: each term a
// quoted phrase, all of them required. The terms hold only letters and
// digits, so no input reaches the query syntax.
func matchExpr(terms []string) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, "") + `"`
	}
	return strings.Join(q, " ")
}

// Search finds the tickets whose subject or message texts hold every
// term of q, best first (BM25 of their best message), each with a
// snippet of that message.
func (s *DB) Search(ctx context.Context, q core.SearchQuery) ([]core.SearchHit, error) {
	if len(q.Terms) == 0 {
		return nil, core.Errorf(core.EINVALID, "a search needs at least one word")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = core.SearchLimit
	}
	limit = min(limit, core.SearchMaxLimit)
	match := matchExpr(q.Terms)
	where, args := []string{"m.ticket_id IS NOT NULL"}, []any{match}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if q.Status != "" {
		add("t.status = ?", q.Status)
	}
	if q.Department != "" {
		add("t.department = ?", q.Department)
	}
	if q.Account != 0 {
		add("t.account_id = ?", q.Account)
	}
	if q.Email != "" {
		add("t.account_id = (SELECT account_id FROM profiles WHERE email = ?)", strings.ToLower(q.Email))
	}
	if q.Tag != "" {
		add("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)", q.Tag)
	}
	if !q.Since.IsZero() {
		add("m.created_at >= ?", fmtTime(q.Since))
	}
	if !q.Until.IsZero() {
		add("m.created_at < ?", fmtTime(q.Until))
	}
	// MAX picks each ticket's best message, and SQLite takes the bare
	// columns (h.id) from the row it picked.
	// MATERIALIZED: matchinfo works only in a query of message_search
	// itself, not once SQLite folds it into the join.
	rows, err := s.db.QueryContext(ctx, `WITH h AS MATERIALIZED (
			SELECT docid AS id, helpdesk_bm25(matchinfo(message_search, 'pcnalx')) AS score
			FROM message_search WHERE message_search MATCH ?)
		SELECT t.id, t.subject, t.status, h.id, MAX(h.score) AS best
		FROM h JOIN messages m ON m.id = h.id
		JOIN tickets t ON t.id = m.ticket_id
		WHERE `+strings.Join(where, " AND ")+`
		GROUP BY t.id ORDER BY best DESC, t.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var hits []core.SearchHit
	for rows.Next() {
		var h core.SearchHit
		if err := rows.Scan(&h.Number, &h.Subject, &h.Status, &h.Message, &h.Score); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if err := s.snippets(ctx, match, hits); err != nil {
		return nil, err
	}
	return hits, nil
}

// snippetTokens is how many tokens of its message a snippet shows.
const snippetTokens = 16

// snippets fills in the snippet of each hit's best message, made only for
// the hits shown rather than for every message that matched.
func (s *DB) snippets(ctx context.Context, match string, hits []core.SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	at := make(map[int64]int, len(hits))
	args := []any{core.SnippetOpen, core.SnippetClose, snippetTokens, match}
	for i, h := range hits {
		at[h.Message] = i
		args = append(args, h.Message)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT docid, snippet(message_search, ?, ?, '…', -1, ?)
		FROM message_search WHERE message_search MATCH ? AND docid IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(hits)), ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var snip string
		if err := rows.Scan(&id, &snip); err != nil {
			return fmt.Errorf("search snippets: %w", err)
		}
		if i, ok := at[id]; ok {
			hits[i].Snippet = snip
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	return nil
}
