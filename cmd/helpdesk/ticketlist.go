package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/store"
)

// pageFlags are the paging and filter flags of `ticket list` and `queue`.
type pageFlags struct {
	limit      int
	after      int64
	statuses   listFlag
	department string
	account    string
	since      string
	tag        string
	active     bool
}

func (p *pageFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&p.limit, "limit", 50, "at most `N` tickets; 0: no limit")
	fs.Int64Var(&p.after, "after", 0, "the page after ticket `NUMBER` (the last one of the page before)")
	fs.Var(&p.statuses, "status", "only tickets in status `S` (repeat, or a comma list)")
	fs.StringVar(&p.department, "department", "", "only tickets of department `D`")
	fs.StringVar(&p.account, "account", "", "only tickets of the account with address or id `EMAIL|ID`")
	fs.StringVar(&p.since, "since", "", "only tickets created on or after `DATE` (2026-11-30 or RFC 3339)")
	fs.StringVar(&p.tag, "tag", "", "only tickets tagged `TAG`")
}

// page turns the flags into the store's query.
func (p *pageFlags) page() (store.TicketPage, error) {
	q := store.TicketPage{Limit: p.limit, After: p.after, Statuses: p.statuses, Department: p.department, Active: p.active, Tag: p.tag}
	if p.limit < 0 || p.after < 0 {
		return q, usageError{"--limit and --after must not be negative"}
	}
	if p.account != "" {
		if id, err := strconv.ParseInt(strings.TrimPrefix(p.account, "#"), 10, 64); err == nil {
			q.Account = id
		} else {
			q.Email = p.account
		}
	}
	if p.since != "" {
		t, err := parseDate("--since", p.since)
		if err != nil {
			return q, err
		}
		q.Since = t
	}
	return q, nil
}

// parseDate reads a flag's date: a day (UTC midnight) or an RFC 3339 time.
func parseDate(flag, s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return t, usageError{fmt.Sprintf("%s %q is not a date such as 2026-11-30 or an RFC 3339 time", flag, s)}
		}
	}
	return t, nil
}

// listFlag is a flag that may be repeated and takes comma lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// printNext ends a full page in text mode with the cursor of the next
// one; the JSON stays an array (the cursor is its last element's number).
func printNext(w io.Writer, rows []core.TicketSummary, limit int) {
	if limit > 0 && len(rows) == limit {
		fmt.Fprintf(w, "next: --after %d\n", rows[len(rows)-1].Number)
	}
}

func ticketList(ctx context.Context, db *store.DB, pf *pageFlags, asJSON bool, w io.Writer) error {
	p, err := pf.page()
	if err != nil {
		return err
	}
	rows, err := db.ListTicketPage(ctx, p)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]gateway.TicketView, 0, len(rows))
		for i := range rows {
			out = append(out, gateway.TicketViewOf(&rows[i], nil))
		}
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICKET\tSTATUS\tDEPARTMENT\tPRIORITY\tACCOUNT\tSUBJECT")
	for _, r := range rows {
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\n", r.Number, r.Status, r.Department, r.Priority, r.Email, clip(r.Subject, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printNext(w, rows, p.Limit)
	return nil
}
