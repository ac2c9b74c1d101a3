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

	"helpdesk/gateway"
	"helpdesk/store"
)

const outboxUsage = "outbox needs a subcommand: list [--dead] [--json], or retry ID|--all-dead"

// cmdOutbox is `outbox list|retry`: the side effects still to perform
// (pending) and those that failed for good (dead), with their attempts;
// retry puts dead rows back to pending, due at once. A running serve
// picks them up on its next pass.
func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{outboxUsage}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("outbox "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "list: print JSON")
	deadOnly := fs.Bool("dead", false, "list: only the dead rows")
	allDead := fs.Bool("all-dead", false, "retry: every dead row")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		if len(pos) != 0 {
			return usageError{"usage: outbox list [--dead] [--json]"}
		}
	case "retry":
		if *allDead == (len(pos) == 1) || len(pos) > 1 {
			return usageError{"usage: outbox retry ID|--all-dead"}
		}
	default:
		return usageError{outboxUsage}
	}
	_, db, err := c.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()

	if sub == "list" {
		rows, err := db.OutboxRows(ctx, *deadOnly, 0)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, gateway.OutboxViewOf(rows))
		}
		return outboxTable(stdout, rows)
	}
	if *allDead {
		n, err := db.RetryAllDead(ctx, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d dead outbox rows put back to pending\n", n)
		return nil
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("outbox retry: %q is not an ID", pos[0])}
	}
	if err := db.RetryDead(ctx, id, now); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "outbox row %d put back to pending\n", id)
	return nil
}

func outboxTable(w io.Writer, rows []store.OutboxRow) error {
	if len(rows) == 0 {
		fmt.Fprintln(w, "no pending or dead outbox rows")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tKIND\tTICKET\tATTEMPTS\tNEXT/DONE\tLAST ERROR")
	for _, r := range rows {
		when := r.NextAttempt
		if r.State == "dead" {
			when = r.DoneAt
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.State, r.Kind, r.Ticket, r.Attempts,
			when.UTC().Format(time.RFC3339), oneLine(r.LastError, 80))
		for _, a := range r.History {
			fmt.Fprintf(tw, "\t  %s\t%s\t\t\t%s\t%s\n", a.Result, a.Duration.Round(time.Millisecond),
				a.At.UTC().Format(time.RFC3339), oneLine(a.Error, 80))
		}
	}
	return tw.Flush()
}

// oneLine keeps an error to one line of at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
