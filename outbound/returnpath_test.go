package outbound

import (
	"strings"
	"testing"

	"helpdesk/core"
)

// TestWorker_ReturnPath: a notice goes out over SMTP with its own signed
// bounce address as the envelope sender (docs/rules.md §6), which the
// mail itself never names (the receiving MTA writes Return-Path); a
// notice written without one is sent from the From address; a malformed
// one is never sent, and its error does not show the token.
func TestWorker_ReturnPath(t *testing.T) {
	const bounce = "bounces+aebagbafaydqqcikbmga2dqpcaireeyu@support.example.com"
	cases := []struct {
		name, returnPath string
		want             string // envelope sender; "" for a dead row
	}{
		{"signed", bounce, bounce},
		{"written before return paths", "", testFrom.Addr},
		{"malformed", "bounces+x\r\nRCPT TO:<eve@evil.example>@support.example.com", ""},
		{"not an address", "bounces+x", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := MustWorker(t, nil)
			n := testNotice()
			n.ReturnPath = c.returnPath
			id := env.q.add(t, core.OutboxEmail, 1042, n, t0)
			if c.want == "" {
				env.drain(t, 0)
				r := env.q.row(id)
				checkRow(t, r, "dead", 1)
				if len(env.relay.received()) != 0 || !strings.Contains(r.LastError, "invalid return path") ||
					strings.Contains(r.LastError, "bounces+x") {
					t.Fatalf("last error %q, relay got %d mails", r.LastError, len(env.relay.received()))
				}
				return
			}
			env.drain(t, 1)
			got := env.relay.received()
			if len(got) != 1 || got[0].From != c.want || strings.Join(got[0].To, ",") != "ann@customer.test" {
				t.Fatalf("envelope %+v, want from %s", got, c.want)
			}
			p := MustParse(t, got[0].Data)
			if p.h.Has("Return-Path") || strings.Contains(string(got[0].Data), "bounces+") {
				t.Fatalf("the mail names its return path:\n%s", got[0].Data)
			}
		})
	}
}
