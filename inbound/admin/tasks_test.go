package admin

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/core/calendar"
	"helpdesk/store"
)

// TestStatus_OverdueTasks: a project task past its due date without
// being finished is in /status's overdue_tasks and on the status page
// (docs/rules.md §2) once the clock passes its due day, and leaves them
// when it is finished.
func TestStatus_OverdueTasks(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC)
	svc, err := core.NewService(db, core.Options{Domain: "support.example.com", Secret: []byte("s"),
		Departments: []core.Department{{Name: "projects", Addresses: []string{"projects@support.example.com"}}},
		Calendar:    calendar.MustNew(calendar.Default()), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := svc.Receive(ctx, &core.Email{MessageID: "p1@shop.example", From: core.Address{Addr: "ann@shop.example"},
		Subject: "New shop", Text: "Build it.", BodyHash: "h1", Raw: []byte("raw"),
		Envelope: core.Envelope{Sender: "ann@shop.example", Recipients: []string{"projects@support.example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	admin := core.Actor{Kind: core.ActorAdmin}
	for _, args := range [][]string{{"add", "Theme"}, {"1", "due", "2026-12-20"}, {"1", "developer", "Ivan"}, {"1", "progress", "30"}} {
		if _, err := svc.Act(ctx, rc.Ticket, admin, "task", args...); err != nil {
			t.Fatalf("task %v: %v", args, err)
		}
	}
	srv := httptest.NewServer(New(db, Options{Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	overdue := func() []OverdueTask {
		t.Helper()
		resp, err := http.Get(srv.URL + "/status")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st Status
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		if st.OverdueTasks == nil {
			t.Fatal("overdue_tasks is null, want an array")
		}
		return st.OverdueTasks
	}
	page := func() string {
		t.Helper()
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	if got := overdue(); len(got) != 0 || strings.Contains(page(), "behind schedule") {
		t.Fatalf("before the due day: %+v", got)
	}
	now = time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)
	want := OverdueTask{Ticket: rc.Ticket, Task: 1, Title: "Theme", Status: "scheduled", Developer: "Ivan",
		Due: "2026-12-20", Progress: 30, Department: "projects", Subject: "New shop"}
	if got := overdue(); len(got) != 1 || got[0] != want {
		t.Fatalf("after the due day: %+v, want %+v", got, want)
	}
	if p := page(); !strings.Contains(p, "behind schedule") || !strings.Contains(p, "Theme") {
		t.Fatalf("the status page lacks the overdue task:\n%s", p)
	}
	if _, err := svc.Act(ctx, rc.Ticket, admin, "task", "1", "closed"); err != nil {
		t.Fatal(err)
	}
	if got := overdue(); len(got) != 0 {
		t.Fatalf("a finished task is still overdue: %+v", got)
	}
}
