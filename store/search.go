package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

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

// termFrequency is bm25 without the inverse document frequency, from
// matchinfo(message_search, 'pcnaly'): for a search of one term the
// frequency weighs every row alike and so ranks nothing, and 'x' would
// read the term's whole posting list to count it. Registered as
// helpdesk_tf; a malformed blob ranks 0.
func termFrequency(info []byte) float64 {
	const k1, b = 1.2, 0.75
	n := len(info) / 4
	u := func(i int) float64 { return float64(binary.NativeEndian.Uint32(info[4*i:])) }
	if n < 3 {
		return 0
	}
	p, c := int(u(0)), int(u(1))
	if p < 0 || c < 0 || n < 3+2*c+p*c {
		return 0
	}
	var score float64
	for i := range p {
		for j := range c {
			tf := u(3 + 2*c + i*c + j)
			if tf == 0 {
				continue
			}
			avg, length := u(3+j), u(3+c+j)
			norm := 1.0
			if avg > 0 {
				norm = 1 - b + b*length/avg
			}
			w := 1.0
			if j < len(bm25Weights) {
				w = bm25Weights[j]
			}
			score += w * tf * (k1 + 1) / (tf + k1*norm)
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
// snippet of that message. Only the newest core.SearchCandidates
// matching messages are ranked, and the filters apply to those.
func (s *DB) Search(ctx context.Context, q core.SearchQuery) ([]core.SearchHit, error) {
	if len(q.Terms) == 0 {
		return nil, core.Errorf(core.EINVALID, "a search needs at least one word")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = core.SearchLimit
	}
	limit = min(limit, core.SearchMaxLimit)
	if _, err := s.IndexSearch(ctx); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	query, args := s.searchQuery(q, limit)
	rows, err := s.db.QueryContext(ctx, query, args...)
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
	if err := s.snippets(ctx, q.Terms, hits); err != nil {
		return nil, err
	}
	return hits, nil
}

// searchQuery is the statement that finds q's hits, each row a ticket,
// its subject and status, its best message and that message's score.
func (s *DB) searchQuery(q core.SearchQuery, limit int) (string, []any) {
	where, args := searchFilters(q)
	if s.pg {
		return searchQueryPostgres(q, where, args, limit)
	}
	where = append([]string{"message_search MATCH ?"}, where...)
	args = append([]any{matchExpr(q.Terms)}, args...)
	rank := `helpdesk_bm25(matchinfo(message_search, 'pcnalx'))`
	if len(q.Terms) == 1 {
		rank = `helpdesk_tf(matchinfo(message_search, 'pcnaly'))`
	}
	// The filters apply inside h, so that the newest candidates are the
	// newest that pass them. MATERIALIZED: matchinfo works only while
	// message_search's cursor is on the row, not once SQLite folds h
	// into the grouping. MAX picks each ticket's best message, and SQLite
	// takes the bare column (h.id) from the row it picked.
	return `WITH h AS MATERIALIZED (
			SELECT message_search.docid AS id, t.id AS ticket, t.subject AS subject, t.status AS status,
				` + rank + ` AS score
			FROM message_search JOIN messages m ON m.id = message_search.docid
			JOIN tickets t ON t.id = m.ticket_id
			WHERE ` + strings.Join(where, " AND ") + `
			ORDER BY message_search.docid DESC LIMIT ?)
		SELECT ticket, subject, status, id, MAX(score) AS best FROM h
		GROUP BY ticket ORDER BY best DESC, ticket DESC LIMIT ?`, append(args, core.SearchCandidates, limit)
}

// searchFilters returns the conditions of q's filters on a message m of
// ticket t, and their arguments.
func searchFilters(q core.SearchQuery) ([]string, []any) {
	where, args := []string{"m.ticket_id IS NOT NULL"}, []any{}
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
	return where, args
}

// snippetTokens is how many words of its message a snippet shows.
const snippetTokens = 16

// snippets fills in the snippet of each hit's best message. They are
// made here rather than by FTS4's snippet(), which would run the search
// again and read a common term's whole posting list a second time.
func (s *DB) snippets(ctx context.Context, terms []string, hits []core.SearchHit) error {
	if len(hits) == 0 {
		return nil
	}
	at := make(map[int64]int, len(hits))
	args := make([]any, 0, len(hits))
	for i, h := range hits {
		at[h.Message] = i
		args = append(args, h.Message)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, subject, text FROM messages WHERE id IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(hits)), ", ")+`)`, args...)
	if err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	defer rows.Close()
	fold := newFolder()
	want := map[string]bool{}
	for _, t := range terms {
		want[fold(t)] = true
	}
	for rows.Next() {
		var id int64
		var subject, text string
		if err := rows.Scan(&id, &subject, &text); err != nil {
			return fmt.Errorf("search snippets: %w", err)
		}
		snip, ok := snippet(text, want, fold)
		if !ok {
			if s, ok := snippet(subject, want, fold); ok || text == "" {
				snip = s
			}
		}
		hits[at[id]].Snippet = snip
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search snippets: %w", err)
	}
	return nil
}

// snippet is snippetTokens words of text around the first word in want,
// the words in want marked, and whether it found one (if not, the start
// of text). Words are split and folded as the index's unicode61 tokenizer
// does (newFolder). It reads text once and holds a few words at a time,
// however long the text.
func snippet(text string, want map[string]bool, fold func(string) string) (string, bool) {
	type word struct {
		start, end int
		hit        bool
	}
	const lead = snippetTokens / 4 // words shown before the first hit
	var words []word
	first, start, dropped := -1, -1, false
	var head []word // the text's first words, shown when nothing matches
	flush := func(end int) {
		w := word{start: start, end: end, hit: want[fold(text[start:end])]}
		start = -1
		if len(head) < snippetTokens {
			head = append(head, w)
		}
		if w.hit && first < 0 {
			first = len(words)
		}
		words = append(words, w)
		if first < 0 && len(words) > lead {
			words, dropped = append(words[:0], words[1:]...), true
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
			if first >= 0 && len(words) > snippetTokens {
				break // the rest is not shown
			}
		}
	}
	if start >= 0 {
		flush(len(text))
	}
	if first < 0 {
		words, dropped = head, false
	}
	if len(words) == 0 {
		return "", false
	}
	to := min(len(words), snippetTokens)
	var b strings.Builder
	if dropped {
		b.WriteString("…")
	}
	pos := words[0].start
	for _, w := range words[:to] {
		b.WriteString(text[pos:w.start])
		if w.hit {
			b.WriteString(core.SnippetOpen + text[w.start:w.end] + core.SnippetClose)
		} else {
			b.WriteString(text[w.start:w.end])
		}
		pos = w.end
	}
	if to < len(words) || text[pos:] != "" && strings.IndexFunc(text[pos:], func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}) >= 0 {
		b.WriteString("…")
	} else {
		b.WriteString(text[pos:])
	}
	return b.String(), first >= 0
}

// newFolder returns a function that folds a word as unicode61 with
// remove_diacritics=2 does: lower case, without combining marks. Its
// transformer holds state: one folder serves one goroutine.
func newFolder() func(string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), cases.Lower(language.Und), norm.NFC)
	return func(w string) string {
		out, _, err := transform.String(t, w)
		if err != nil {
			return strings.ToLower(w)
		}
		return out
	}
}
