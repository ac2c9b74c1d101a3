package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"helpdesk/gateway"
	"helpdesk/inbound/admin"
)

// cmdStatus is `status [--json] [--direct]`. It asks the running serve
// (http.listen, with http.token) for /status, which has the live channel
// states; when no serve answers, or with --direct, it reads the database
// itself, and the channels show their enabled flag with the state
// not_running.
func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON (the same as /status)")
	direct := fs.Bool("direct", false, "read the database even when serve answers")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"status takes no arguments"}
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	var st *admin.Status
	from := ""
	if !*direct {
		if st, err = gateway.FetchStatus(ctx, cfg); err == nil {
			from = "serve at " + cfg.HTTP.Listen
		} else if !errors.Is(err, gateway.ErrNoServe) {
			return err
		}
	}
	if st == nil {
		if st, err = gateway.StatusFromDB(ctx, cfg); err != nil {
			return err
		}
		from = "database " + gateway.DescribeStore(cfg) + " (serve not reached)"
		if *direct {
			from = "database " + gateway.DescribeStore(cfg)
		}
	}
	if *asJSON {
		return writeJSON(stdout, st)
	}
	return printStatus(stdout, st, from)
}

func printStatus(w io.Writer, st *admin.Status, from string) error {
	up := "not running"
	if st.UptimeSeconds > 0 {
		up = "up " + (time.Duration(st.UptimeSeconds) * time.Second).String()
	}
	fmt.Fprintf(w, "helpdesk %s · %s · database %s · from %s\n\n", st.Version, up, st.Database, from)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "tickets\t%s\n", statusCounts(st.TicketsByStatus))
	for _, d := range sortedKeys(st.TicketsByDepartment) {
		fmt.Fprintf(tw, "  %s\t%s\n", d, statusCounts(st.TicketsByDepartment[d]))
	}
	fmt.Fprintf(tw, "sla\tat risk %d · breached %d\n", st.SLA.AtRisk, st.SLA.Breached)
	for _, o := range st.OverdueTasks {
		dev := o.Developer
		if dev == "" {
			dev = "no developer"
		}
		fmt.Fprintf(tw, "overdue\t#%d task %d %s (due %s, %d%%, %s)\n", o.Ticket, o.Task, o.Title, o.Due, o.Progress, dev)
	}
	oldest := ""
	if st.Outbox.Pending > 0 {
		oldest = fmt.Sprintf(" (oldest %s)", time.Duration(st.Outbox.OldestAgeSeconds)*time.Second)
	}
	fmt.Fprintf(tw, "outbox\tpending %d%s · dead %d\n", st.Outbox.Pending, oldest, st.Outbox.Dead)
	fmt.Fprintf(tw, "quarantine\t%d mails\n", st.Quarantined)
	if st.Credits != nil {
		fmt.Fprintf(tw, "credits\tbalance %d · granted %d · purchased %d · charged %d · expired %d · by hand %+d\n",
			st.Credits.Balance, st.Credits.Granted, st.Credits.Purchased, st.Credits.Charged, st.Credits.Expired, st.Credits.ByHand)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tKIND\tENABLED\tSTATE\tLAST SUCCESS\tLAST ERROR")
	for _, c := range st.Channels {
		last := "-"
		if c.LastSuccess != nil {
			last = c.LastSuccess.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, yesNo(c.Enabled), c.State, last, clip(c.LastError, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	if len(st.QueueHead) == 0 {
		fmt.Fprintln(w, "queue: empty")
		return nil
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tDEPARTMENT\tPRIORITY\tHOTRUSH\tSLA\tDUE\tSUBJECT")
	for _, q := range st.QueueHead {
		due := "-"
		if q.SLADue != nil {
			due = q.SLADue.UTC().Format("2006-01-02 15:04Z")
		}
		hr := ""
		if q.HotRush {
			hr = "yes"
		}
		fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\t%s\n", q.Number, q.Department, q.Priority, hr, q.SLAState, due, clip(q.Subject, 40))
	}
	return tw.Flush()
}

// statusOrder lists the ticket statuses in life-cycle order.
var statusOrder = []string{"submitted", "assigned", "in_progress", "reopened", "pre_closed", "closed"}

func statusCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	seen := map[string]bool{}
	for _, s := range statusOrder {
		if n, ok := m[s]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
			seen[s] = true
		}
	}
	for _, s := range sortedKeys(m) {
		if !seen[s] {
			parts = append(parts, fmt.Sprintf("%s %d", s, m[s]))
		}
	}
	return strings.Join(parts, " · ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
