package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"helpdesk/core"
)

// On PostgreSQL the full-text index is a tsvector a message
// (message_search.doc, GIN-indexed). Its words are split and folded here,
// as SQLite's unicode61 tokenizer does (newFolder), so that a search finds
// the same messages on both databases, and handed to the 'simple'
// configuration, which stores them as they are. A message's subject is
// weighted A and its text B, so ts_rank puts a subject's words first.

// searchDocWords bounds the folded words of a text that go into its
// document: a tsvector holds at most 1 MB, and a word's positions past
// 16,383 are not told apart anyway.
const searchDocWords = 256 << 10 // bytes of folded words

// searchWords returns text's words folded and separated by spaces, at
// most searchDocWords bytes of them.
func searchWords(text string, fold func(string) string) string {
	var b strings.Builder
	start := -1
	add := func(end int) bool {
		w := fold(text[start:end])
		start = -1
		if b.Len()+len(w)+1 > searchDocWords {
			return false
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		return true
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && !add(i) {
			return b.String()
		}
	}
	if start >= 0 {
		add(len(text))
	}
	return b.String()
}

// indexRangePostgres indexes the messages with ids in (after, upto].
func indexRangePostgres(ctx context.Context, tx *sql.Tx, after, upto int64) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, subject, text FROM messages WHERE id > ? AND id <= ? ORDER BY id`, after, upto)
	if err != nil {
		return 0, err
	}
	type doc struct {
		id            int64
		subject, text string
	}
	fold := newFolder()
	var docs []doc
	for rows.Next() {
		var d doc
		if err := rows.Scan(&d.id, &d.subject, &d.text); err != nil {
			rows.Close()
			return 0, err
		}
		d.subject, d.text = searchWords(d.subject, fold), searchWords(d.text, fold)
		docs = append(docs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, d := range docs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_search (docid, doc)
			VALUES (?, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B'))
			ON CONFLICT (docid) DO UPDATE SET doc = excluded.doc`, d.id, d.subject, d.text); err != nil {
			return 0, fmt.Errorf("index message %d: %w", d.id, err)
		}
	}
	return int64(len(docs)), nil
}

// searchQueryPostgres is searchQuery on PostgreSQL: every term required,
// ranked by ts_rank; DISTINCT ON keeps each ticket's best message.
func searchQueryPostgres(q core.SearchQuery, where []string, args []any, limit int) (string, []any) {
	fold := newFolder()
	terms := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		terms[i] = searchWords(t, fold)
	}
	tsq := strings.Join(terms, " ")
	where = append([]string{"ms.doc @@ plainto_tsquery('simple', ?)"}, where...)
	args = append([]any{tsq, tsq}, args...)
	return `WITH h AS MATERIALIZED (
			SELECT ms.docid AS id, t.id AS ticket, t.subject AS subject, t.status AS status,
				ts_rank(ms.doc, plainto_tsquery('simple', ?)) AS score
			FROM message_search ms JOIN messages m ON m.id = ms.docid
			JOIN tickets t ON t.id = m.ticket_id
			WHERE ` + strings.Join(where, " AND ") + `
			ORDER BY ms.docid DESC LIMIT ?)
		SELECT ticket, subject, status, id, score FROM (
			SELECT DISTINCT ON (ticket) ticket, subject, status, id, score FROM h
			ORDER BY ticket, score DESC, id DESC) AS best
		ORDER BY score DESC, ticket DESC LIMIT ?`, append(args, core.SearchCandidates, limit)
}
