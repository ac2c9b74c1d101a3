package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helpdesk/gateway"
	imapin "helpdesk/inbound/imap"
)

func TestConfig_UnknownKeysWithLines(t *testing.T) {
	file := `domain = "support.example.com"
domian = "x"
[smtp]
lisen = "127.0.0.1:25"
[[imap]]
name = "a"
address = "x:1"
pasword = "x"
[nonsense]
a = 1
b = 2
`
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte(file), 0o600)
	_, err := gateway.LoadConfig(path, nil)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"4 unknown keys", "line 2: unknown key domian", "line 4: unknown key smtp.lisen",
		"line 8: unknown key imap.pasword", "line 9: unknown key nonsense"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "nonsense.a") {
		t.Errorf("the keys of an unknown table are reported too: %q", err)
	}
}

func TestConfig_UnknownEnvironment(t *testing.T) {
	_, err := gateway.LoadConfig("", []string{"HELPDESK_SMTP_LISTNE=x", "HELPDESK_SECRTE=y", "HELPDESK_CORPUS=../corpus",
		"HELPDESK_CONFIG=", "HELPDESK_LOG_LEVEL=debug"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"HELPDESK_SMTP_LISTNE names no configuration key (did you mean HELPDESK_SMTP_LISTEN?)",
		"HELPDESK_SECRTE names no configuration key (did you mean HELPDESK_SECRET?)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "CORPUS") || strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Errorf("a known variable refused: %q", err)
	}
}

func TestConfig_LogLevel(t *testing.T) {
	cfg, err := gateway.LoadConfig("", []string{"HELPDESK_LOG_LEVEL=debug"})
	if err != nil || cfg.Log.Level != "debug" {
		t.Fatalf("HELPDESK_LOG_LEVEL: %v, %v", cfg, err)
	}
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte("[log]\nlevel = \"loud\"\n"), 0o600)
	if _, err := gateway.LoadConfig(path, nil); err == nil || !strings.Contains(err.Error(), "log.level") {
		t.Fatalf("a bad log.level: %v", err)
	}

	// The flag wins over the configuration; debug lines show only at debug.
	os.WriteFile(path, []byte("[log]\nlevel = \"warn\"\n"), 0o600)
	for flagLevel, wantInfo := range map[string]bool{"": false, "info": true, "debug": true, "error": false} {
		var c common
		c.config, c.logLevel = path, flagLevel
		if _, err := c.load(nil); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		c.logger(&buf).Info("hello")
		if got := buf.Len() > 0; got != wantInfo {
			t.Errorf("--log-level %q over log.level warn: info logged %v, want %v", flagLevel, got, wantInfo)
		}
	}
}

// TestIMAPLog_NoDuplicateKeys captures the JSON log line of a failing
// IMAP session, wired as serve wires it, and checks each key appears once.
func TestIMAPLog_NoDuplicateKeys(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the session fails at once
	cfg := gateway.DefaultConfig()
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	m := gateway.IMAPConfig{Name: "support", Address: addr, TLS: "none", Auth: "login", Mailbox: "INBOX",
		PollInterval: gateway.Duration{Duration: time.Second}}
	idle := true
	m.IDLE = &idle
	p := imapin.New(nil, nil, gateway.IMAPOptions(m, cfg, log))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	p.Run(ctx)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatal("nothing logged")
	}
	for _, l := range lines {
		keys, err := jsonKeys(l)
		if err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("key %q twice in %s", k, l)
			}
			seen[k] = true
		}
		if !seen["imap"] || !seen["mailbox"] {
			t.Errorf("line without imap and mailbox: %s", l)
		}
	}
}

// jsonKeys returns the top-level keys of a JSON object in order,
// duplicates included (encoding/json would keep the last silently).
func jsonKeys(line string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// syncBuffer is a bytes.Buffer safe for the poller's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// A weak secret on a public listener and a busy-loop interval are
// configuration errors: exit code 2 before anything starts, every
// problem named, the secret's value never.
func TestConfig_RefusedExitCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helpdesk.toml")
	os.WriteFile(path, []byte("secret = \"change-me\"\n[smtp]\nlisten = \"0.0.0.0:2525\"\n[sweep]\ninterval = \"1ns\"\n"), 0o600)
	var out bytes.Buffer
	err := Run(context.Background(), []string{"serve", "--config", path}, &out, &out, nil)
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("serve with a weak secret beyond loopback: %v (exit %d), want exit 2", err, exitCode(err))
	}
	for _, want := range []string{"secret has 9 characters", "sweep.interval 1ns is below the minimum of 1s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "change-me") || strings.Contains(out.String(), "change-me") {
		t.Errorf("the refusal shows the secret: %v", err)
	}
}
