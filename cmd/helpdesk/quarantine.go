package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/internal/termsafe"
)

const quarantineUsage = "quarantine needs a subcommand: list, show ID, retry ID or drop ID"

// cmdQuarantine is `quarantine list|show|retry|drop`: the mail that could
// not be processed, kept with its reason and raw bytes.
func cmdQuarantine(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{quarantineUsage}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("quarantine "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	rawOnly := fs.Bool("raw", false, "show: print only the raw message")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	cfg, err := c.load(env)
	if err != nil {
		return err
	}
	if sub == "list" {
		db, err := openDB(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		return quarantineList(ctx, db, *asJSON, stdout)
	}
	if len(pos) != 1 {
		return usageError{fmt.Sprintf("usage: quarantine %s ID", sub)}
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("quarantine %s: %q is not an ID", sub, pos[0])}
	}
	switch sub {
	case "show":
		db, err := openDB(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		q, err := db.QuarantineGet(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case *rawOnly: // for a file or a pipe: the bytes as they came
			_, err = termsafe.Raw(stdout).Write(q.Raw)
			return err
		case *asJSON:
			return writeJSON(stdout, gateway.QuarantineViewOf(q, true))
		}
		fmt.Fprintf(stdout, "quarantined mail %d\nchannel:    %s\nref:        %s\nmessage-id: %s\nsize:       %d bytes\nat:         %s\nreason:     %s\n\n",
			q.ID, q.Channel, q.Ref, q.MessageID, q.Size, q.CreatedAt.UTC().Format(time.RFC3339), q.Reason)
		if q.Raw == nil {
			fmt.Fprintln(stdout, "(the raw message was too large to keep)")
			return nil
		}
		_, err = stdout.Write(q.Raw)
		return err
	case "drop":
		db, err := openDB(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.QuarantineDrop(ctx, id); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, struct {
				ID      int64 `json:"id"`
				Dropped bool  `json:"dropped"`
			}{id, true})
		}
		fmt.Fprintf(stdout, "quarantined mail %d dropped\n", id)
		return nil
	case "retry":
		if err := checkDB(ctx, cfg); err != nil {
			return err
		}
		return quarantineRetry(ctx, cfg, id, c.logger(stderr), *asJSON, stdout)
	}
	return usageError{fmt.Sprintf("unknown quarantine subcommand %q", sub)}
}

func quarantineList(ctx context.Context, db interface {
	QuarantineList(context.Context) ([]core.Quarantined, error)
}, asJSON bool, w io.Writer) error {
	qs, err := db.QuarantineList(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]gateway.QuarantineView, 0, len(qs))
		for i := range qs {
			out = append(out, gateway.QuarantineViewOf(&qs[i], false))
		}
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tCHANNEL\tSIZE\tMESSAGE-ID\tREASON")
	for _, q := range qs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", q.ID, q.CreatedAt.UTC().Format("2006-01-02 15:04Z"), q.Channel,
			q.Size, clip(q.MessageID, 40), clip(q.Reason, 60))
	}
	return tw.Flush()
}

// quarantineRetry is `quarantine retry ID`. A running serve sends the
// notifications at its next outbox poll.
func quarantineRetry(ctx context.Context, cfg *gateway.Config, id int64, log *slog.Logger, asJSON bool, w io.Writer) error {
	a, err := gateway.NewApp(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.Shutdown(ctx)
	rc, err := a.RetryQuarantined(ctx, id)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, struct {
			ID      int64  `json:"id"`
			Outcome string `json:"outcome"`
			Ticket  int64  `json:"ticket"`
		}{id, string(rc.Outcome), rc.Ticket})
	}
	fmt.Fprintf(w, "quarantined mail %d received: %s, ticket #%d; removed from quarantine\n", id, rc.Outcome, rc.Ticket)
	return nil
}
