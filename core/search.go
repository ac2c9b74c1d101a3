package core

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of a full-text search (docs/operations.md, Limits): what an
// agent types is cut to them before it reaches the index, so no query
// costs more than a few terms' posting lists.
const (
	SearchMaxQuery = 256 // bytes of the words looked for
	SearchMaxTerms = 8   // terms, all of which a hit holds
	SearchMaxTerm  = 64  // bytes of one term
	SearchLimit    = 20  // hits when the caller names no limit
	SearchMaxLimit = 100 // hits at most
	// SearchCandidates is how many matching messages, the newest that
	// pass the filters, a search ranks at most: a word found in most
	// messages would otherwise rank them all.
	SearchCandidates = 1_000
)

// SearchQuery is a full-text search over ticket subjects and message
// texts, with filters on the ticket.
type SearchQuery struct {
	Terms      []string // from SearchTerms
	Status     string
	Department string
	Account    int64  // the owning account; 0: any
	Email      string // an address of the owning account; "": any
	Tag        string
	// Since and Until bound the time of the message that matched;
	// zero is no bound. Until is exclusive.
	Since, Until time.Time
	Limit        int // 0: SearchLimit
}

// SearchHit is one ticket a search found, with its best message.
type SearchHit struct {
	Number  int64
	Subject string
	Status  string
	Message int64 // the message that matched best
	// Snippet is a piece of that message with each matched term between
	// SnippetOpen and SnippetClose; the text between them is as stored,
	// unescaped.
	Snippet string
	// Score is the BM25 relevance of the message: higher is better.
	Score float64
}

// The marks around a matched term in SearchHit.Snippet: control
// characters, which mail text as stored never holds in the open, so a
// surface can replace them with its own emphasis after escaping the rest.
const (
	SnippetOpen  = "\x02"
	SnippetClose = "\x03"
)

// MarkSnippet rewrites a snippet's marks as open and close, passing every
// piece of text between them through esc (nil: unchanged).
func MarkSnippet(snippet, open, close string, esc func(string) string) string {
	if esc == nil {
		esc = func(s string) string { return s }
	}
	var b strings.Builder
	in := false
	for snippet != "" {
		i := strings.IndexAny(snippet, SnippetOpen+SnippetClose)
		if i < 0 {
			b.WriteString(esc(snippet))
			break
		}
		b.WriteString(esc(snippet[:i]))
		switch {
		case snippet[i] == SnippetOpen[0] && !in:
			b.WriteString(open)
			in = true
		case snippet[i] == SnippetClose[0] && in:
			b.WriteString(close)
			in = false
		}
		snippet = snippet[i+1:]
	}
	if in {
		b.WriteString(close)
	}
	return b.String()
}

// SearchTerms splits what an agent typed into the terms of a search: runs
// of letters and digits, lower-cased, as the index's tokenizer splits
// text. Everything else, the index's query syntax included (quotes, *,
// OR, NEAR, parentheses), only separates terms, so no input is a syntax
// error. Terms past the bounds are dropped; none at all is an error.
func SearchTerms(words string) ([]string, error) {
	if len(words) > SearchMaxQuery {
		words = words[:SearchMaxQuery]
		for !utf8.ValidString(words) {
			words = words[:len(words)-1]
		}
	}
	fields := strings.FieldsFunc(words, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []string
	for _, f := range fields {
		if len(out) == SearchMaxTerms {
			break
		}
		f = strings.ToLower(f)
		if len(f) > SearchMaxTerm {
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, Errorf(EINVALID, "a search needs at least one word of letters or digits")
	}
	return out, nil
}

// SquashSpace turns every run of white space in s into one space, at its
// ends too, so that a snippet of a mail fits on one line.
func SquashSpace(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}
