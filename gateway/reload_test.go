package gateway

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"helpdesk/store"
)

func TestDiffConfig(t *testing.T) {
	old := DefaultConfig()
	old.IMAP = []IMAPConfig{{Name: "box", Address: "a:143", Password: "pw-one"}}
	next := DefaultConfig()
	next.IMAP = []IMAPConfig{{Name: "box", Address: "b:143", Password: "pw-two"}}
	next.Secret = "another-secret"
	next.Departments["support"] = DepartmentConfig{SlackChannel: "C0NEW"}
	next.Agents = []AgentConfig{{ID: "U1", Name: "dana"}}
	var got []string
	for _, c := range DiffConfig(old, next) {
		got = append(got, c.Key+" "+c.Old+" "+c.New)
	}
	want := []string{
		"secret (secret) (secret)",
		"imap.box.address a:143 b:143",
		"imap.box.password (secret) (secret)",
		"departments.support.slack_channel C0SUPPORT C0NEW",
		"agents.U1 (none) (added)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestApp_Reload(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "h.db")
	cfg.Mail.Dir = t.TempDir()
	cfg.FillDefaults()
	a, err := NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)

	t.Run("OK", func(t *testing.T) {
		next := DefaultConfig()
		next.Store.Path = cfg.Store.Path
		next.Mail.Dir = cfg.Mail.Dir
		next.Departments["support"] = DepartmentConfig{SlackChannel: "C0SUPPORT", Addresses: []string{"help@support.example.com"}}
		next.SMTP.Listen = "127.0.0.1:2626"
		next.FillDefaults()
		rep, err := a.Reload(ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Applied) != 1 || rep.Applied[0].Key != "departments.support.addresses" {
			t.Fatalf("applied %+v", rep.Applied)
		}
		if len(rep.Restart) != 1 || rep.Restart[0].Key != "smtp.listen" {
			t.Fatalf("restart %+v", rep.Restart)
		}
		if !a.Core.AcceptsRecipient("help@support.example.com") || a.Core.AcceptsRecipient("support@support.example.com") {
			t.Fatal("the new address is not in effect")
		}
		if got := a.Config().SMTP.Listen; got != cfg.SMTP.Listen {
			t.Fatalf("smtp.listen in effect %s, want %s until a restart", got, cfg.SMTP.Listen)
		}
	})
	t.Run("ErrAddressTwice", func(t *testing.T) {
		next := DefaultConfig()
		next.Departments["sales"] = DepartmentConfig{Addresses: []string{"sales@support.example.com"}, SlackChannel: "C0NEW"}
		next.Departments["support"] = DepartmentConfig{Addresses: []string{"sales@support.example.com"}}
		if _, err := a.Reload(ctx, next); err == nil || !strings.Contains(err.Error(), "is in departments") {
			t.Fatalf("err %v, want the address refused", err)
		}
		if !a.Core.AcceptsRecipient("help@support.example.com") || a.Config().Departments["sales"].SlackChannel == "C0NEW" {
			t.Fatal("a refused reload changed the departments")
		}
	})
}

// A reloaded [[imap]] entry restarts its poller: the supervisor sees its
// settings changed; a new entry gets its row.
func TestApp_ReloadIMAP(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "h.db")
	cfg.IMAP = []IMAPConfig{{Name: "box", Address: "127.0.0.1:1"}}
	cfg.FillDefaults()
	a, err := NewApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)
	row := store.Channel{Name: "box", Kind: store.ChannelIMAP, Source: store.SourceConfig}
	if a.sup.changed(row) {
		t.Fatal("changed before any reload")
	}
	next := *cfg
	next.IMAP = []IMAPConfig{{Name: "box", Address: "127.0.0.1:2"}, {Name: "new", Address: "127.0.0.1:3"}}
	next.FillDefaults()
	rep, err := a.Reload(ctx, &next)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 2 || rep.Applied[0].Key != "imap.box.address" || rep.Applied[1].Key != "imap.new" {
		t.Fatalf("applied %+v", rep.Applied)
	}
	if !a.sup.changed(row) {
		t.Fatal("the changed mailbox is not seen as changed")
	}
	chs, err := a.DB.Channels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range chs {
		names = append(names, c.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "new") {
		t.Fatalf("channels %v lack the new mailbox", names)
	}
}
