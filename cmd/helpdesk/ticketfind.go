package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"helpdesk/core"
	"helpdesk/internal/termsafe"
	"helpdesk/store"
)

// isMessageID tells a Message-ID (one word with an @, or in angle
// brackets) from the words of a full-text search.
func isMessageID(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "<") || strings.Contains(s, "@") && !strings.ContainsAny(s, " \t")
}

// searchHit is one hit of `ticket find WORDS --json`.
type searchHit struct {
	Number  int64   `json:"number"`
	Subject string  `json:"subject"`
	Status  string  `json:"status"`
	Message int64   `json:"message"`
	Snippet string  `json:"snippet"`
	Rank    float64 `json:"rank"`
}

// ticketSearch is `ticket find WORDS`: a full-text search, or with #N
// alone, that ticket as the one hit.
func ticketSearch(ctx context.Context, db *store.DB, words string, pf *pageFlags, until string, asJSON bool, w io.Writer) error {
	var hits []core.SearchHit
	if n, ok := ticketNumber(words); ok {
		r, err := db.TicketRow(ctx, n)
		if err != nil {
			return cliError(err, fmt.Sprintf("ticket #%d", n))
		}
		hits = []core.SearchHit{{Number: r.Number, Subject: r.Subject, Status: r.Status}}
	} else {
		q, err := searchQuery(words, pf, until)
		if err != nil {
			return err
		}
		if hits, err = db.Search(ctx, q); err != nil {
			return err
		}
	}
	if asJSON {
		out := make([]searchHit, 0, len(hits))
		for _, h := range hits {
			out = append(out, searchHit{Number: h.Number, Subject: h.Subject, Status: h.Status, Message: h.Message,
				Snippet: core.MarkSnippet(h.Snippet, "[", "]", nil), Rank: h.Score})
		}
		return writeJSON(w, out)
	}
	if len(hits) == 0 {
		fmt.Fprintln(w, "no ticket found")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICKET\tSTATUS\tSUBJECT\tSNIPPET")
	for _, h := range hits {
		snip := core.MarkSnippet(h.Snippet, "[", "]", func(s string) string {
			return core.SquashSpace(termsafe.String(s))
		})
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\n", h.Number, h.Status, clip(h.Subject, 40), clip(snip, 100))
	}
	return tw.Flush()
}

// ticketNumber reads "#1042".
func ticketNumber(s string) (int64, bool) {
	var n int64
	if _, err := fmt.Sscanf(s, "#%d", &n); err != nil || n <= 0 || fmt.Sprintf("#%d", n) != s {
		return 0, false
	}
	return n, true
}

// searchQuery turns the words and the filter flags into a search.
func searchQuery(words string, pf *pageFlags, until string) (core.SearchQuery, error) {
	var q core.SearchQuery
	terms, err := core.SearchTerms(words)
	if err != nil {
		return q, usageError{core.ErrorMessage(err)}
	}
	p, err := pf.page()
	if err != nil {
		return q, err
	}
	if len(p.Statuses) > 1 || p.Active || p.After != 0 {
		return q, usageError{"ticket find takes one --status, and no --active or --after"}
	}
	q = core.SearchQuery{Terms: terms, Department: p.Department, Account: p.Account, Email: p.Email,
		Tag: p.Tag, Since: p.Since, Limit: min(p.Limit, core.SearchMaxLimit)}
	if len(p.Statuses) == 1 {
		q.Status = p.Statuses[0]
	}
	if until != "" {
		if q.Until, err = parseDate("--until", until); err != nil {
			return q, err
		}
	}
	return q, nil
}
