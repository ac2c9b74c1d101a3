package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/internal/pgtest"
)

// writePostgresConfig writes a configuration for a serve in dir whose
// database is the PostgreSQL one at dsn, given through dsn_file.
func writePostgresConfig(t *testing.T, dir, dsn string) string {
	t.Helper()
	dsnFile := filepath.Join(dir, "dsn")
	if err := os.WriteFile(dsnFile, []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf("[store]\ndriver = \"postgres\"\ndsn_file = %q\npath = %q\n"+
		"[smtp]\nlisten = \"127.0.0.1:0\"\n[http]\nlisten = \"127.0.0.1:0\"\n[mail]\ndir = %q\n",
		dsnFile, filepath.Join(dir, "helpdesk.db"), filepath.Join(dir, "mail"))
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServe_Postgres: serve on PostgreSQL creates the schema, takes mail
// over SMTP into the database and acknowledges it; the CLI reads the
// same database beside it; a second serve on that database, with files of
// its own, serves it too; and the file backup says to use PostgreSQL's
// tools.
func TestServe_Postgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	cfgPath := writePostgresConfig(t, dir, dsn)
	first := startServe(t, cfgPath)
	m := regexp.MustCompile(`msg="helpdesk started" smtp=(\S+).* db=(\S+)`).FindStringSubmatch(first.logText())
	if m == nil {
		t.Fatalf("no start line:\n%s", first.logText())
	}
	if strings.Contains(m[2], "helpdesk.db") || !strings.HasPrefix(m[2], "postgres://") {
		t.Errorf("serve logs its database as %s, want the PostgreSQL one", m[2])
	}
	msg := "From: ann@shop.example\r\nTo: support@support.example.com\r\nSubject: blank page\r\n" +
		"Message-ID: <pg1@shop.example>\r\n\r\nThe checkout page is blank.\r\n"
	c, err := gosmtp.Dial(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("ann@shop.example", []string{"support@support.example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("send: %v", err)
	}
	c.Quit()

	stdout, stderr, code := runMain(t, dir, "ticket", "list", "--json", "--config", cfgPath)
	var list []struct {
		Number  int64  `json:"number"`
		Subject string `json:"subject"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != 1 || list[0].Subject != "blank page" {
		t.Fatalf("ticket list: exit %d, %s %s; want the one ticket", code, stdout, stderr)
	}
	stdout, stderr, code = runMain(t, dir, "ticket", "find", "checkout", "--json", "--config", cfgPath)
	if code != 0 || !strings.Contains(stdout, `"number": 1`) {
		t.Fatalf("ticket find: exit %d, %s %s; want ticket 1", code, stdout, stderr)
	}

	// The acknowledgment went out through the outbox rows in PostgreSQL.
	deadline := time.Now().Add(15 * time.Second)
	for {
		ems, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
		if len(ems) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledgments written, want 1:\n%s", len(ems), first.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A second gateway, with files of its own, serves the same database:
	// a mail to it is in the list the first one's CLI prints.
	other := t.TempDir()
	second := startServe(t, writePostgresConfig(t, other, dsn))
	m2 := regexp.MustCompile(`msg="helpdesk started" smtp=(\S+)`).FindStringSubmatch(second.logText())
	c2, err := gosmtp.Dial(m2[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.SendMail("bob@shop.example", []string{"support@support.example.com"}, strings.NewReader(strings.ReplaceAll(
		strings.ReplaceAll(msg, "ann@", "bob@"), "<pg1@", "<pg2@"))); err != nil {
		t.Fatalf("send to the second gateway: %v", err)
	}
	c2.Quit()
	stdout, stderr, code = runMain(t, dir, "ticket", "list", "--json", "--config", cfgPath)
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list) != 2 {
		t.Fatalf("ticket list after a mail to the second gateway: exit %d, %s %s; want two tickets", code, stdout, stderr)
	}
	// The file lock still guards each gateway's own files.
	_, stderr, code = runMain(t, other, "serve", "--config", filepath.Join(other, "helpdesk.toml"))
	if code != 1 || !strings.Contains(stderr, "in use by another serve") {
		t.Fatalf("a third serve on the second one's files: exit %d, stderr:\n%s\nwant refused", code, stderr)
	}
	_, stderr, code = runMain(t, dir, "backup", filepath.Join(dir, "copy.db"), "--config", cfgPath)
	if code == 0 || !strings.Contains(stderr, "pg_dump") {
		t.Fatalf("backup: exit %d, stderr %s; want a refusal naming pg_dump", code, stderr)
	}
}

// TestMigrate_ToPostgres: `migrate --to postgres DSN` is refused while
// serve uses the SQLite database, then copies it into the empty
// PostgreSQL database with every count checked, and a configuration
// naming that database finds the same tickets. A second copy is refused.
func TestMigrate_ToPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve as a process")
	}
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	cfgPath := writeServeConfig(t, dir)
	s := startServe(t, cfgPath)
	addr := regexp.MustCompile(`msg="helpdesk started" smtp=(\S+)`).FindStringSubmatch(s.logText())[1]
	c, err := gosmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	msg := "From: ann@shop.example\r\nTo: support@support.example.com\r\nSubject: zanzibar order\r\n" +
		"Message-ID: <copy1@shop.example>\r\n\r\nThe zanzibar order is stuck.\r\n"
	if err := c.SendMail("ann@shop.example", []string{"support@support.example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("send: %v", err)
	}
	c.Quit()

	_, stderr, code := runMain(t, dir, "migrate", "--to", "postgres", dsn, "--config", cfgPath)
	if code != 1 || !strings.Contains(stderr, "stop serve first") {
		t.Fatalf("copy beside serve: exit %d, %s; want a refusal", code, stderr)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done

	stdout, stderr, code := runMain(t, dir, "migrate", "--to", "postgres", dsn, "--json", "--config", cfgPath)
	var rep struct {
		Tables []struct {
			Name           string
			Source, Target int64
		}
		Rows   int64
		Search int `json:"search_indexed"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Rows == 0 || rep.Search != 1 {
		t.Fatalf("migrate --to postgres: exit %d, %s %s", code, stdout, stderr)
	}
	pgCfg := writePostgresConfig(t, t.TempDir(), dsn)
	stdout, stderr, code = runMain(t, dir, "ticket", "find", "zanzibar", "--json", "--config", pgCfg)
	if code != 0 || !strings.Contains(stdout, `"number": 1`) {
		t.Fatalf("ticket find on the copy: exit %d, %s %s", code, stdout, stderr)
	}
	_, stderr, code = runMain(t, dir, "migrate", "--to", "postgres", dsn, "--config", cfgPath)
	if code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("second copy: exit %d, %s; want a refusal", code, stderr)
	}
}
