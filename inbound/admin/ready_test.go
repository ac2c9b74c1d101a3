package admin

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"helpdesk/store"
)

// countingSource counts the write probes that reach the database.
type countingSource struct {
	*store.DB
	probes atomic.Int64
}

func (c *countingSource) Writable(ctx context.Context) error {
	c.probes.Add(1)
	return c.DB.Writable(ctx)
}

// TestReady_WriteProbe: /readyz commits a write to say ready. Another
// process holding the database's write lock (the way a full disk or a
// read-only file would also refuse the next mail) makes it 503 with
// the reason; probes within ReadyCache share one answer, and the next
// one after it sees the database free again.
func TestReady_WriteProbe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	src := &countingSource{DB: db}
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(New(src, Options{Now: func() time.Time { return now }, ReadyCache: 2 * time.Second,
		ReadyTimeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	ready := func() (int, Ready) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r Ready
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, r
	}
	if code, r := ready(); code != 200 || !r.Ready {
		t.Fatalf("readyz on a free database: %d %+v", code, r)
	}

	other, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if code, _ := ready(); code != 200 {
		t.Fatalf("readyz within the cache after a good probe: %d, want the cached 200", code)
	}
	now = now.Add(3 * time.Second)
	code, r := ready()
	if code != 503 || len(r.Problems) != 1 || !strings.HasPrefix(r.Problems[0], "database: write failed: ") ||
		!strings.Contains(r.Problems[0], "locked") {
		t.Fatalf("readyz with the write lock held elsewhere: %d %+v, want 503 database: write failed: … locked", code, r)
	}
	before := src.probes.Load()
	for i := 0; i < 5; i++ {
		if code, _ := ready(); code != 503 {
			t.Fatalf("readyz within the cache after a failed probe: %d", code)
		}
	}
	if n := src.probes.Load() - before; n != 0 {
		t.Fatalf("%d probes within the cache, want 0", n)
	}

	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Second)
	if code, r := ready(); code != 200 {
		t.Fatalf("readyz once the lock is released: %d %+v", code, r)
	}
}

// TestHandler_BodyLimit: no admin path takes a body beyond a few KB; the
// sign-in form's token fits.
func TestHandler_BodyLimit(t *testing.T) {
	srv := httptest.NewServer(New(fakeSource{}, Options{Token: "t0ken-t0ken-t0ken", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer srv.Close()
	post := func(path, body string, chunked bool) int {
		t.Helper()
		var r io.Reader = strings.NewReader(body)
		if chunked {
			r = io.MultiReader(r) // no length known: sent chunked
		}
		req, _ := http.NewRequest("POST", srv.URL+path, r)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	big := "token=" + strings.Repeat("x", 8<<10)
	for _, c := range []struct {
		name    string
		path    string
		body    string
		chunked bool
		want    int
	}{
		{"LoginTooLarge", "/login", big, false, 413},
		{"LoginTooLargeChunked", "/login", big, true, 413},
		{"StatusTooLarge", "/status", big, false, 413},
		{"LoginWrongToken", "/login", "token=nope", false, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := post(c.path, c.body, c.chunked); got != c.want {
				t.Fatalf("POST %s: %d, want %d", c.path, got, c.want)
			}
		})
	}
}
