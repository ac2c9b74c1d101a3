package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/internal/termsafe"
	"helpdesk/store"
)

func cmdTicket(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{"ticket needs a subcommand: list, show or find"}
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "act":
		return cmdAct(ctx, args, stdout, stderr, env)
	case "open":
		return cmdTicketOpen(ctx, args, stdout, stderr, env)
	}
	fs := flag.NewFlagSet("ticket "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	var pf pageFlags
	var until string
	switch sub {
	case "list":
		pf.register(fs)
		fs.BoolVar(&pf.active, "active", false, "only open tickets: submitted, assigned, in progress, reopened")
	case "find":
		pf.register(fs)
		fs.StringVar(&until, "until", "", "only messages before `DATE` (2026-11-30 or RFC 3339)")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	_, db, err := c.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()

	switch sub {
	case "list":
		if len(pos) != 0 {
			return usageError{"ticket list takes no arguments"}
		}
		return ticketList(ctx, db, &pf, *asJSON, stdout)
	case "show":
		if len(pos) != 1 {
			return usageError{"usage: ticket show N [--json]"}
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(pos[0], "#"), 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("ticket number %q is not a number", pos[0])}
		}
		return ticketShow(ctx, db, n, *asJSON, stdout)
	case "find":
		if len(pos) == 0 {
			return usageError{"usage: ticket find WORDS|MESSAGE-ID|#N [--json]"}
		}
		if len(pos) == 1 && isMessageID(pos[0]) {
			return ticketFind(ctx, db, pos[0], *asJSON, stdout)
		}
		return ticketSearch(ctx, db, strings.Join(pos, " "), &pf, until, *asJSON, stdout)
	}
	return usageError{fmt.Sprintf("unknown ticket subcommand %q", sub)}
}

// writeJSON prints v as JSON, exact: encoding/json escapes the controls
// that termsafe would replace in text.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(termsafe.Raw(w))
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func ticketShow(ctx context.Context, db *store.DB, n int64, asJSON bool, w io.Writer) error {
	d, err := gateway.LoadTicket(ctx, db, n)
	if err != nil {
		return cliError(err, fmt.Sprintf("ticket #%d", n))
	}
	if asJSON {
		return writeJSON(w, d.View())
	}
	return d.WriteText(w)
}

func ticketFind(ctx context.Context, db *store.DB, id string, asJSON bool, w io.Writer) error {
	id = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
	f, err := db.FindMessageID(ctx, id)
	if err != nil {
		return cliError(err, fmt.Sprintf("Message-ID <%s>", id))
	}
	var tj *gateway.TicketView
	if f.Ticket != 0 {
		r, err := db.TicketRow(ctx, f.Ticket)
		if err != nil {
			return err
		}
		t := gateway.TicketViewOf(r, nil)
		tj = &t
	}
	if asJSON {
		out := struct {
			Ticket    *gateway.TicketView  `json:"ticket"`
			Direction string               `json:"direction"`
			Message   *gateway.MessageView `json:"message"`
		}{Ticket: tj, Direction: f.Direction}
		if f.Message != nil {
			m := gateway.MessageViewOf(*f.Message)
			out.Message = &m
		}
		return writeJSON(w, out)
	}
	switch {
	case tj == nil:
		fmt.Fprintf(w, "<%s> is stored but belongs to no ticket (automatic mail that matched none)\n", id)
	case f.Message == nil:
		fmt.Fprintf(w, "<%s> was sent by the gateway for ticket #%d: %s\n", id, tj.Number, tj.Subject)
	default:
		fmt.Fprintf(w, "<%s> is message %d (%s, from %s) of ticket #%d: %s\n", id, f.Message.ID, f.Direction, f.Message.From, tj.Number, tj.Subject)
	}
	return nil
}

// actHelp answers `ticket act N help`: the actions an actor of kind may
// run, from core's table.
func actHelp(w io.Writer, kind string) error {
	as := "--agent ID"
	if kind == core.ActorAdmin {
		as = "without --agent, as the admin"
	}
	fmt.Fprintf(w, "ticket act N ACTION [ARGS] (%s), where ACTION is one of:\n", as)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ac := range core.ActionsFor(kind) {
		fmt.Fprintf(tw, "  %s\t%s\n", ac.Usage(kind), ac.Help)
	}
	return tw.Flush()
}

// cliError turns "not found" into a sentence for the terminal.
func cliError(err error, what string) error {
	if core.ErrorCode(err) == core.ENOTFOUND {
		return fmt.Errorf("%s: not found", what)
	}
	return err
}

// clip cuts s to n characters for a table's cell, its controls replaced
// first so that the columns line up (the writer would replace them
// anyway, after tabwriter measured them).
func clip(s string, n int) string {
	s = termsafe.String(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
