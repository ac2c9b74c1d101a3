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
)

// openCore builds the gateway without starting anything, for commands
// that act once. now may be nil.
func openCore(ctx context.Context, c *common, env []string, stderr io.Writer, now func() time.Time) (*gateway.App, error) {
	cfg, err := c.load(env)
	if err != nil {
		return nil, err
	}
	if err := checkDB(ctx, cfg); err != nil {
		return nil, err
	}
	return gateway.NewApp(ctx, cfg, c.logger(stderr), now)
}

// cmdAct is `ticket act N ACTION [ARGS] [--agent ID]`: an agent's
// action, the same vocabulary as Slack's /helpdesk. Without --agent the
// admin acts, who may do what staff do but speak for an agent.
// `ticket act N help` lists the actions from core's table.
func cmdAct(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("ticket act", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	agentID := fs.String("agent", "", "the acting agent's id (Slack user id); without it, the admin acts")
	preview := fs.Bool("preview", false, "reply-with: print the saved reply as it would be sent, and send nothing")
	reason := fs.String("reason", "", "charge: why the custom amount is charged")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	kind := core.ActorAdmin
	if *agentID != "" {
		kind = core.ActorAgent
	}
	if len(pos) > 0 && len(pos) <= 2 && pos[len(pos)-1] == "help" {
		return actHelp(stdout, kind)
	}
	if len(pos) < 2 {
		return usageError{"usage: ticket act N ACTION [ARGS] [--agent ID]; ticket act N help lists the actions"}
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(pos[0], "#"), 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("ticket number %q is not a number", pos[0])}
	}
	app, err := openCore(ctx, &c, env, stderr, nil)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	actor := core.Actor{Kind: core.ActorAdmin, ID: "admin"}
	if kind == core.ActorAgent {
		if actor, err = app.Config().Agent(*agentID); err != nil {
			return err
		}
	}
	if *preview {
		if pos[1] != "reply-with" || len(pos) != 3 {
			return usageError{"--preview goes with reply-with NAME"}
		}
		text, err := app.Core.PreviewReply(ctx, n, actor, pos[2])
		if err != nil {
			return fmt.Errorf("ticket #%d reply-with: %s", n, core.ErrorMessage(err))
		}
		fmt.Fprintln(stdout, text)
		return nil
	}
	if *reason != "" {
		pos = append(pos, *reason)
	}
	res, err := app.Core.Act(ctx, n, actor, pos[1], pos[2:]...)
	if err != nil {
		return fmt.Errorf("ticket #%d %s: %s", n, pos[1], core.ErrorMessage(err))
	}
	fmt.Fprintln(stdout, res)
	return nil
}

// cmdSweep runs the timer rules once, as if the clock read --at.
func cmdSweep(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	at := fs.String("at", "", "the clock, RFC 3339 (e.g. 2026-11-30T09:00:00Z); default now")
	asJSON := fs.Bool("json", false, "print JSON")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"sweep takes no arguments"}
	}
	now := time.Now
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError{fmt.Sprintf("--at %q is not an RFC 3339 time such as 2026-11-30T09:00:00Z", *at)}
		}
		now = func() time.Time { return t }
	}
	app, err := openCore(ctx, &c, env, stderr, now)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	res, err := app.Core.Sweep(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, struct {
			At             time.Time `json:"at"`
			Checked        int       `json:"checked"`
			PreClosed      int       `json:"pre_closed"`
			Closed         int       `json:"closed"`
			AtRisk         int       `json:"at_risk"`
			Breached       int       `json:"breached"`
			ExpiredCredits int       `json:"expired_credits"`
			ExpiredLots    int       `json:"expired_lots"`
		}{now().UTC(), res.Checked, res.PreClosed, res.Closed, res.AtRisk, res.Breached, res.ExpiredCredits, res.ExpiredLots})
	}
	fmt.Fprintf(stdout, "sweep at %s: %d tickets checked, %d pre-closed, %d closed, %d at risk, %d breached, %d credits expired in %d lots\n",
		now().UTC().Format(time.RFC3339), res.Checked, res.PreClosed, res.Closed, res.AtRisk, res.Breached,
		res.ExpiredCredits, res.ExpiredLots)
	return nil
}

// cmdQueue prints the queue (docs/rules.md §3).
func cmdQueue(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	var pf pageFlags
	pf.register(fs)
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"queue takes no arguments"}
	}
	p, err := pf.page()
	if err != nil {
		return err
	}
	_, db, err := c.open(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueuePage(ctx, p)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]gateway.TicketView, 0, len(rows))
		for i := range rows {
			out = append(out, gateway.TicketViewOf(&rows[i], nil))
		}
		return writeJSON(stdout, out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTICKET\tHOTRUSH\tPRIORITY\tRANK\tDUE\tSLA\tSTATUS\tSUBJECT")
	for i, r := range rows {
		hr := ""
		if r.HotRush {
			hr = "yes"
		}
		fmt.Fprintf(tw, "%d\t#%d\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\n", i+1, r.Number, hr, r.Priority, r.Rank,
			r.SLADue.UTC().Format("2006-01-02 15:04Z"), r.SLAState, r.Status, clip(r.Subject, 50))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	printNext(stdout, rows, p.Limit)
	return nil
}

// cmdAccount is `account entitle|show`.
func cmdAccount(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{"account needs a subcommand: list, show, add, rename, merge or entitle"}
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "list", "show", "add", "rename", "merge":
		return cmdAccounts(ctx, sub, args, stdout, stderr, env)
	}
	fs := flag.NewFlagSet("account "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	until := fs.String("until", "", "subscription end date, 2026-12-31")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch sub {
	case "entitle":
		var end time.Time
		incidents := 0
		switch {
		case len(pos) == 2 && pos[1] == "subscription":
			if end, err = time.Parse("2006-01-02", *until); err != nil {
				return usageError{"usage: account entitle EMAIL subscription --until YYYY-MM-DD"}
			}
			end = end.Add(24 * time.Hour) // through the whole last day
		case len(pos) == 3 && pos[1] == "incident":
			if incidents, err = strconv.Atoi(pos[2]); err != nil || incidents < 1 {
				return usageError{"usage: account entitle EMAIL incident N (N ≥ 1)"}
			}
		default:
			return usageError{"usage: account entitle EMAIL subscription --until DATE, or account entitle EMAIL incident N"}
		}
		app, err := openCore(ctx, &c, env, stderr, nil)
		if err != nil {
			return err
		}
		defer app.DB.Close()
		acc, err := app.Core.Entitle(ctx, pos[0], end, incidents)
		if err != nil {
			return cliError(err, "account of "+pos[0])
		}
		if *asJSON {
			var until *string
			if !acc.SubscriptionUntil.IsZero() {
				d := dateOrNone(acc.SubscriptionUntil)
				until = &d
			}
			return writeJSON(stdout, struct {
				Account           int64   `json:"account"`
				SubscriptionUntil *string `json:"subscription_until"` // the last day, or null
				Incidents         int     `json:"incidents"`
			}{acc.ID, until, acc.Incidents})
		}
		fmt.Fprintf(stdout, "account #%d: subscription until %s, %d unused incident packages\n",
			acc.ID, dateOrNone(acc.SubscriptionUntil), acc.Incidents)
		return nil
	}
	return usageError{fmt.Sprintf("unknown account subcommand %q", sub)}
}

func dateOrNone(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Add(-time.Nanosecond).Format("2006-01-02")
}
