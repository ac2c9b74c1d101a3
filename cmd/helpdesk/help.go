package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"helpdesk/internal/buildinfo"
)

// helpRequested is what parse returns for -h or --help: Run prints the
// command's usage on stdout and the command ends with exit code 0,
// before it has opened or created anything.
type helpRequested struct{ text string }

func (h helpRequested) Error() string { return "help requested" }

// groups are the commands that take a subcommand.
var groups = map[string]bool{"ticket": true, "channel": true, "quarantine": true, "account": true,
	"credits": true, "outbox": true, "dkim": true, "reply-template": true}

func isHelpFlag(s string) bool {
	switch s {
	case "-h", "--h", "-help", "--help":
		return true
	}
	return false
}

// helpCommand is `help [CMD [SUB]]`.
func helpCommand(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	return Run(ctx, append(args[:len(args):len(args)], "--help"), stdout, stderr, env)
}

// groupHelp answers `CMD --help` for a command that takes a subcommand.
func groupHelp(cmd string, w io.Writer) error {
	fmt.Fprintf(w, "usage: helpdesk %s SUBCOMMAND [flags]\n\n%s\nRun helpdesk help %s SUBCOMMAND for a subcommand's flags.\n",
		cmd, strings.Join(usageLines(cmd, ""), "\n"), cmd)
	return nil
}

// commandHelp is the usage of the command whose flags fs holds (fs's name
// is the command, "ticket list"): its lines of the global usage, then the
// flags. A subcommand the usage does not know is a usage error.
func commandHelp(fs *flag.FlagSet) error {
	cmd, sub, _ := strings.Cut(fs.Name(), " ")
	lines := usageLines(cmd, sub)
	if len(lines) == 0 && sub != "" {
		return usageError{fmt.Sprintf("unknown %s subcommand %q", cmd, sub)}
	}
	var b strings.Builder
	if len(lines) > 0 && (strings.TrimSpace(lines[0]) == fs.Name() || strings.HasPrefix(strings.TrimSpace(lines[0]), fs.Name()+" ")) {
		fmt.Fprintf(&b, "usage: helpdesk %s\n", strings.TrimSpace(lines[0]))
		lines = lines[1:]
	} else {
		fmt.Fprintf(&b, "usage: helpdesk %s [flags]\n", fs.Name())
	}
	for _, l := range lines {
		fmt.Fprintln(&b, l)
	}
	fmt.Fprint(&b, "\nflags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return helpRequested{b.String()}
}

// usageLines returns the entries of the global usage for cmd (sub ""),
// or for its subcommand sub: an entry is a line starting with the
// command and the lines indented under it. A subcommand is named right
// after the command or after a '|' ("enable|disable", "… | retry ID").
func usageLines(cmd, sub string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(usage, "\n") {
		if strings.HasPrefix(line, "    ") && strings.TrimSpace(line) != "" {
			if in {
				out = append(out, line)
			}
			continue
		}
		in = false
		tok := strings.Fields(strings.ReplaceAll(line, "|", " | "))
		if !strings.HasPrefix(line, "  ") || len(tok) == 0 || tok[0] != cmd {
			continue
		}
		if sub == "" {
			in = true
		}
		for i := 1; i < len(tok) && !in; i++ {
			if tok[i] == sub && (i == 1 || tok[i-1] == "|" || tok[i-1] == cmd && i >= 2 && tok[i-2] == "|") {
				in = true
			}
		}
		if in {
			out = append(out, line)
		}
	}
	return out
}

// cmdVersion is `version [--json]`.
func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{"version takes no arguments"}
	}
	in := buildinfo.Read()
	if *asJSON {
		return writeJSON(stdout, in)
	}
	fmt.Fprintf(stdout, "helpdesk %s\n", in.Version)
	if in.Revision != "" {
		mod := ""
		if in.Modified {
			mod = " (modified)"
		}
		fmt.Fprintf(stdout, "revision %s%s\n", in.Revision, mod)
	}
	if in.Time != "" {
		fmt.Fprintf(stdout, "time     %s\n", in.Time)
	}
	fmt.Fprintf(stdout, "go       %s\n", in.Go)
	for _, m := range in.Modules {
		fmt.Fprintf(stdout, "module   %s %s\n", m.Path, m.Version)
	}
	return nil
}
