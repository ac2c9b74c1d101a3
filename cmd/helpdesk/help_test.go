package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// everyCommand is each command and subcommand with flags its usage must
// name (beyond those every database command has).
var everyCommand = []struct {
	args  []string
	flags []string
}{
	{[]string{"serve"}, []string{"-grace", "-log-level"}},
	{[]string{"demo"}, []string{"-v", "-keep"}},
	{[]string{"bench"}, []string{"-n", "-c", "-generate", "-db", "-postgres"}},
	{[]string{"migrate"}, []string{"-json", "-to"}},
	{[]string{"ticket", "list"}, []string{"-json", "-active", "-limit", "-after", "-status", "-department", "-account", "-since", "-tag"}},
	{[]string{"ticket", "show"}, []string{"-json"}},
	{[]string{"ticket", "find"}, []string{"-json", "-status", "-department", "-account", "-since", "-until", "-tag", "-limit"}},
	{[]string{"ticket", "act"}, []string{"-agent"}},
	{[]string{"queue"}, []string{"-json", "-limit", "-after", "-status", "-department", "-account", "-since", "-tag"}},
	{[]string{"sweep"}, []string{"-at", "-json"}},
	{[]string{"account", "entitle"}, []string{"-until", "-json"}},
	{[]string{"credits", "show"}, []string{"-json"}},
	{[]string{"credits", "grant"}, []string{"-license", "-json"}},
	{[]string{"credits", "purchase"}, []string{"-package"}},
	{[]string{"credits", "transfer"}, []string{"-by"}},
	{[]string{"credits", "verify"}, []string{"-json"}},
	{[]string{"credits", "preagree"}, []string{"-json"}},
	{[]string{"status"}, []string{"-json", "-direct"}},
	{[]string{"channel", "list"}, []string{"-json"}},
	{[]string{"channel", "add"}, []string{"-address", "-username", "-password-file", "-tls"}},
	{[]string{"channel", "enable"}, []string{"-json"}},
	{[]string{"channel", "disable"}, []string{"-json"}},
	{[]string{"channel", "remove"}, []string{"-json"}},
	{[]string{"channel", "verify"}, []string{"-timeout"}},
	{[]string{"quarantine", "list"}, []string{"-json"}},
	{[]string{"quarantine", "show"}, []string{"-raw", "-json"}},
	{[]string{"quarantine", "retry"}, []string{"-json"}},
	{[]string{"quarantine", "drop"}, []string{"-json"}},
	{[]string{"outbox", "list"}, []string{"-dead", "-json"}},
	{[]string{"outbox", "retry"}, []string{"-all-dead"}},
	{[]string{"backup"}, []string{"-json"}},
	{[]string{"version"}, []string{"-json"}},
	{[]string{"dkim", "keygen"}, []string{"-alg", "-out", "-selector", "-domain"}},
}

// TestHelp_EveryCommand: CMD --help, CMD -h and help CMD print the
// command's usage and flags, succeed, and create nothing.
func TestHelp_EveryCommand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx := context.Background()
	for _, c := range everyCommand {
		name := strings.Join(c.args, " ")
		want := c.flags
		if c.args[0] != "demo" && c.args[0] != "bench" && c.args[0] != "version" {
			want = append(want, "-config", "-db", "-log-format", "-log-level")
		}
		for _, form := range [][]string{
			append(c.args[:len(c.args):len(c.args)], "--help"),
			append(c.args[:len(c.args):len(c.args)], "-h"),
			append([]string{"help"}, c.args...),
		} {
			var out, errb bytes.Buffer
			if err := Run(ctx, form, &out, &errb, nil); err != nil {
				t.Errorf("%v: %v", form, err)
				continue
			}
			text := out.String()
			if !strings.HasPrefix(text, "usage: helpdesk "+name) {
				t.Errorf("%v: usage starts %q", form, firstLine(text))
			}
			for _, f := range want {
				if !regexp.MustCompile(`\n  ` + f + `[\s]`).MatchString(text) {
					t.Errorf("%v: usage does not name %s:\n%s", form, f, text)
				}
			}
		}
	}
	for _, form := range [][]string{{"help"}, {"--help"}, {"-h"}, {"ticket", "--help"}, {"help", "credits"}} {
		var out bytes.Buffer
		if err := Run(ctx, form, &out, &out, nil); err != nil || !strings.Contains(out.String(), "usage: helpdesk") {
			t.Errorf("%v: %v, %q", form, err, firstLine(out.String()))
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("help created files: %v", ents)
	}
}

// TestHelp_ExitCodes runs the binary: help exits 0 on stdout, a bad flag
// or an unknown command 2, a bad configuration 2, a failure 1.
func TestHelp_ExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	bad := dir + "/bad.toml"
	os.WriteFile(bad, []byte("domain = \"x\"\nbogus = 1\n"), 0o600)
	for _, c := range []struct {
		args []string
		code int
		out  string // in stdout (code 0) or stderr
	}{
		{[]string{"ticket", "list", "--help"}, 0, "usage: helpdesk ticket list"},
		{[]string{"help", "ticket", "list"}, 0, "-limit"},
		{[]string{"ticket", "--help"}, 0, "ticket show"},
		{[]string{"version"}, 0, "helpdesk "},
		{[]string{"ticket", "list", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"ticket", "list", "--config", bad}, 2, "unknown key bogus"},
		{[]string{"ticket", "list", "--log-level", "loud"}, 2, "log level"},
		{[]string{"ticket", "list"}, 1, "no database at helpdesk.db"},
	} {
		stdout, stderr, code := runMain(t, dir, c.args...)
		got := stderr
		if c.code == 0 {
			got = stdout
		}
		if code != c.code || !strings.Contains(got, c.out) || strings.Contains(stderr, "help requested") {
			t.Errorf("%v: exit %d, want %d; stdout %q; stderr %q; want %q", c.args, code, c.code, firstLine(stdout), stderr, c.out)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("files after the commands: %v", ents)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
