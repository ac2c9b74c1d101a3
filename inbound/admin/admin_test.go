package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"helpdesk/store"
)

func TestHandler(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	started := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(New(db, Options{Token: "t0ken", Version: "test", Started: started,
		Now:      func() time.Time { return started.Add(90 * time.Second) },
		Channels: func() []Channel { return []Channel{{Name: "support", Kind: "imap", State: "idle", LastError: "x"}} }}))
	defer srv.Close()

	get := func(path, token string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, c := range []struct {
		path, token string
		code        int
	}{
		{"/healthz", "", 200},
		{"/status", "", 401},
		{"/status", "wrong", 401},
		{"/status", "t0ken", 200},
	} {
		if got := get(c.path, c.token).StatusCode; got != c.code {
			t.Errorf("GET %s with token %q: %d, want %d", c.path, c.token, got, c.code)
		}
	}
	var st Status
	if err := json.NewDecoder(get("/status", "t0ken").Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Version != "test" || st.UptimeSeconds != 90 || st.Database != "ok" || st.TicketsByStatus == nil ||
		len(st.Channels) != 1 || st.Channels[0].State != "idle" || st.Channels[0].LastError != "x" {
		t.Fatalf("status %+v", st)
	}
}
