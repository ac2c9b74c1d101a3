package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeServeConfig writes a configuration for a serve in dir that binds
// free loopback ports, and returns its path.
func writeServeConfig(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf("[store]\npath = %q\n[smtp]\nlisten = \"127.0.0.1:0\"\n[http]\nlisten = \"127.0.0.1:0\"\n[mail]\ndir = %q\n",
		filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "mail"))
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runMain runs the command as a process of its own (the test binary
// acting as helpdesk) and returns its output and exit code.
func runMain(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TEST_HELPDESK_RUN_MAIN=1", "TEST_HELPDESK_ARGS="+strings.Join(args, " "))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestServe_OnePerDatabase: a second serve on the same database is
// refused and names the first one's pid; the CLI works beside it.
func TestServe_OnePerDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	dir := t.TempDir()
	cfgPath := writeServeConfig(t, dir)
	first := startServe(t, cfgPath)

	_, stderr, code := runMain(t, dir, "serve", "--config", cfgPath)
	if code != 1 {
		t.Fatalf("second serve: exit %d, want 1; stderr:\n%s", code, stderr)
	}
	want := fmt.Sprintf("pid %d", first.cmd.Process.Pid)
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "in use") {
		t.Fatalf("second serve said %q, want the holder (%s)", stderr, want)
	}

	var out bytes.Buffer
	if err := Run(context.Background(), []string{"ticket", "list", "--config", cfgPath}, &out, &out, nil); err != nil {
		t.Fatalf("ticket list beside serve: %v", err)
	}
	if !strings.Contains(out.String(), "TICKET") {
		t.Fatalf("ticket list printed %q", out.String())
	}
}
