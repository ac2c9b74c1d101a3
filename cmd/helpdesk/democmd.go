package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"helpdesk/internal/demo"
)

// cmdDemo is `demo`: the story of internal/demo told by a gateway on
// loopback with fake outside services, ending with the ticket as
// `ticket show` prints it.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	verbose := fs.Bool("v", false, "show the gateway's log")
	keep := fs.Bool("keep", false, "keep the demo's database and print where it is")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "helpdesk-demo-")
	if err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	env, err := demo.Start(ctx, dir, log)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer env.Close(ctx)
	p := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	if err := demo.Story(ctx, env, p); err != nil {
		return err
	}

	p("\nTicket #1 as `helpdesk ticket show 1` prints it:\n")
	if err := ticketShow(ctx, env.App.DB, 1, false, stdout); err != nil {
		return err
	}
	if *keep {
		p("\ndatabase kept at %s", env.App.Config().Store.Path)
	}
	return nil
}
