package admin

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
)

// tagSource counts the open tickets of the tags it is given.
type tagSource struct {
	fakeSource
	tags *map[string]int
}

func (s tagSource) Counts(context.Context) (*core.Counts, error) {
	return &core.Counts{OpenByTag: *s.tags}, nil
}

// TestMetrics_OpenByTag: helpdesk_tickets_open{tag} follows the counts,
// and a tag no longer counted disappears rather than keeping its value.
func TestMetrics_OpenByTag(t *testing.T) {
	tags := map[string]int{"billing": 3, core.TagOther: 2}
	m := NewMetrics()
	h := m.handler(tagSource{tags: &tags}, nil, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	scrape := func() string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	body := scrape()
	for _, want := range []string{`helpdesk_tickets_open{tag="billing"} 3`, `helpdesk_tickets_open{tag="(other)"} 2`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	tags = map[string]int{"paypal": 1}
	body = scrape()
	if !strings.Contains(body, `helpdesk_tickets_open{tag="paypal"} 1`) || strings.Contains(body, `tag="billing"`) {
		t.Errorf("after billing's last ticket closed:\n%s", grepLines(body, "helpdesk_tickets_open"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
