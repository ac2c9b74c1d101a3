package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"helpdesk/core"
)

const replyTemplateUsage = `usage: reply-template add NAME --text T|--file F | list [--json] | show NAME [--json] | remove NAME`

// cmdReplyTemplate keeps the saved replies agents send with
// `reply-with NAME` (docs/rules.md §7).
func cmdReplyTemplate(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{replyTemplateUsage}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("reply-template "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	text := fs.String("text", "", "the saved reply, markdown with {{customer_name}}, {{ticket}}, {{agent}}")
	file := fs.String("file", "", "read the saved reply from this file")
	by := fs.String("by", "admin", "who adds it")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case sub == "add" && len(pos) == 1 && (*text == "") != (*file == ""),
		sub == "list" && len(pos) == 0, sub == "show" && len(pos) == 1, sub == "remove" && len(pos) == 1:
	default:
		return usageError{replyTemplateUsage}
	}
	if *file != "" {
		b, err := readBounded(*file, core.MaxReplyTemplateBytes)
		if err != nil {
			return err
		}
		*text = string(b)
	}
	app, err := openCore(ctx, &c, env, stderr, nil)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	switch sub {
	case "add":
		r, err := app.Core.AddReplyTemplate(ctx, pos[0], *text, *by)
		if err != nil {
			return creditsError(err)
		}
		if *asJSON {
			return writeJSON(stdout, r)
		}
		fmt.Fprintf(stdout, "saved reply %s added (%d bytes)\n", r.Name, len(r.Text))
	case "list":
		rs, err := app.Core.ReplyTemplates(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if rs == nil {
				rs = []core.ReplyTemplate{}
			}
			return writeJSON(stdout, rs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tBY\tADDED\tTEXT")
		for _, r := range rs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, clip(r.By, 20), r.CreatedAt.Format("2006-01-02"), clip(r.Text, 60))
		}
		return tw.Flush()
	case "show":
		r, err := app.Core.GetReplyTemplate(ctx, pos[0])
		if err != nil {
			return cliError(err, "saved reply "+pos[0])
		}
		if *asJSON {
			return writeJSON(stdout, r)
		}
		fmt.Fprintf(stdout, "%s (added by %s, %s)\n\n%s\n", r.Name, r.By, r.CreatedAt.Format("2006-01-02 15:04Z"), r.Text)
	case "remove":
		if err := app.Core.RemoveReplyTemplate(ctx, pos[0]); err != nil {
			return cliError(err, "saved reply "+pos[0])
		}
		fmt.Fprintf(stdout, "saved reply %s removed\n", pos[0])
	}
	return nil
}

// readBounded reads a file of at most max bytes; a larger one is refused
// without being read whole.
func readBounded(path string, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > max {
		return nil, fmt.Errorf("read %s: a saved reply is at most %d bytes", path, max)
	}
	return b, nil
}
