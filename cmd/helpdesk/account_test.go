package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
)

// TestAccountProfileCommands pins docs/rules.md §1: accounts and profiles
// kept from the command line, with --json; a changed address keeps the
// profile's id and records the old address.
func TestAccountProfileCommands(t *testing.T) {
	env := []string{"HELPDESK_STORE_PATH=" + filepath.Join(t.TempDir(), "h.db")}
	run := func(args ...string) []byte {
		t.Helper()
		out, err := runCLIEnv(context.Background(), env, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	var acc struct {
		ID       int64
		Kind     string
		Name     string
		Profiles []struct {
			ID            int64
			Email         string
			Role          string
			Language      string
			Notifications bool
			FormerEmails  []string `json:"former_emails"`
		}
	}
	run("migrate")
	mustJSON(t, run("account", "add", "--primary", "Boss@Shop.example", "--name", "Shop", "--json"), &acc)
	if acc.Kind != "customer" || len(acc.Profiles) != 1 || acc.Profiles[0].Email != "boss@shop.example" || acc.Profiles[0].Role != "primary" {
		t.Fatalf("account add: %+v", acc)
	}
	run("account", "rename", "1", "Shop", "Ltd")
	run("profile", "add", "1", "dev@shop.example", "--role", "advanced_secondary")
	var p struct {
		ID            int64
		Email         string
		Role          string
		Language      string
		Notifications bool
		FormerEmails  []string `json:"former_emails"`
	}
	mustJSON(t, run("profile", "set", "dev@shop.example", "--email", "dev@new.example", "--language", "ru",
		"--notifications", "off", "--role", "secondary", "--json"), &p)
	if p.ID != 2 || p.Email != "dev@new.example" || p.Language != "ru" || p.Notifications || p.Role != "secondary" ||
		len(p.FormerEmails) != 1 || p.FormerEmails[0] != "dev@shop.example" {
		t.Fatalf("profile set: %+v", p)
	}
	var list []json.RawMessage
	mustJSON(t, run("account", "list", "--json"), &list)
	mustJSON(t, list[0], &acc)
	if len(list) != 1 || acc.Name != "Shop Ltd" || len(acc.Profiles) != 2 {
		t.Fatalf("account list: %s", list)
	}
	if _, err := runCLIEnv(context.Background(), env, "profile", "set", "boss@shop.example", "--role", "owner"); err == nil {
		t.Fatal("an unknown role was accepted")
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v:\n%s", err, b)
	}
}

func runCLIEnv(ctx context.Context, env []string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	err := Run(ctx, args, &out, io.Discard, env)
	return out.Bytes(), err
}
