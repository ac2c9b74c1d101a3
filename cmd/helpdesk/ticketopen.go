package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"helpdesk/core"
)

// cmdTicketOpen is `ticket open --to EMAIL --subject S --text T [--agent ID]
// [--department D] [--json]`: a ticket opened on a customer's behalf
// (docs/rules.md §2), its first message mailed to them.
func cmdTicketOpen(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("ticket open", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	to := fs.String("to", "", "the customer's address")
	name := fs.String("name", "", "the customer's name, for a new profile")
	subject := fs.String("subject", "", "the subject; a leading [sales], [project] or [support] sets the type")
	text := fs.String("text", "", "the first message")
	agentID := fs.String("agent", "", "the opening agent's id; without it, the admin opens it unassigned")
	dept := fs.String("department", "", "the department; default from the subject, else the fallback")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *to == "" || *subject == "" || *text == "" {
		return usageError{"usage: ticket open --to EMAIL --subject S --text T [--agent ID] [--department D] [--json]"}
	}
	app, err := openCore(ctx, &c, env, stderr, nil)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	actor := core.Actor{Kind: core.ActorAdmin, ID: "admin"}
	if *agentID != "" {
		if actor, err = app.Config().Agent(*agentID); err != nil {
			return err
		}
	}
	n, err := app.Core.OpenTicket(ctx, core.OpenRequest{To: core.Address{Name: *name, Addr: *to},
		Subject: *subject, Text: *text, Department: *dept}, actor)
	if err != nil {
		return cliError(err, "ticket for "+*to)
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"number": n, "to": core.NormalizeAddress(*to)})
	}
	fmt.Fprintf(stdout, "ticket #%d opened for %s; the first message is queued\n", n, core.NormalizeAddress(*to))
	return nil
}
