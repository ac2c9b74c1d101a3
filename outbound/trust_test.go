package outbound

import (
	"encoding/json"
	"strings"
	"testing"

	"helpdesk/core"
	"helpdesk/internal/dnstest"
)

// TestWorker_DKIMSigns: with a signer, every mail the worker sends
// carries a signature that verifies with the published key.
func TestWorker_DKIMSigns(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			s, txt := mustDKIMSigner(t, alg)
			srv := dnstest.Start(t, dnstest.Zone{s.RecordName(): {TXT: []string{txt}}})
			env := MustWorker(t, func(o *Options, _ *Mailer) { o.DKIM = s })
			id := env.q.add(t, core.OutboxEmail, 1042, testNotice(), t0)
			env.drain(t, 1)
			checkRow(t, env.q.row(id), "sent", 1)
			got := env.relay.received()
			if len(got) != 1 {
				t.Fatalf("relay got %d mails, want 1", len(got))
			}
			v := verifyDKIM(t, srv, got[0].Data)
			if len(v) != 1 || v[0].Err != nil || v[0].Domain != "desk.example" {
				t.Fatalf("verifications %+v, want one pass for desk.example", v)
			}
		})
	}
}

// TestTicketBlocks_AuthWarning: the card and a thread reply of a sender
// that could not be authenticated carry the warning (docs/rules.md §6).
func TestTicketBlocks_AuthWarning(t *testing.T) {
	p := core.SlackPost{Number: 7, Subject: "Refund", From: "ann@shop.example", Text: "close it",
		AuthWarning: "sender not authenticated (DMARC fail)"}
	for name, blocks := range map[string]any{"card": ticketBlocks(p), "reply": replyBlocks(p)} {
		b, err := json.Marshal(blocks)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "⚠ *sender not authenticated (DMARC fail)*") {
			t.Errorf("%s blocks lack the warning: %s", name, b)
		}
	}
	p.AuthWarning = ""
	if b, _ := json.Marshal(ticketBlocks(p)); strings.Contains(string(b), "⚠") {
		t.Errorf("card of an authenticated sender has a warning: %s", b)
	}
}
