package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"helpdesk/internal/demo"
)

// TestCustomCharge_EndToEnd pins docs/rules.md §5, credits by hand: an
// admin's goodwill grant funds the account; an agent charges a custom
// amount with its reason; the customer is asked by mail, Slack refuses a
// second charge while the first waits, and the customer's #confirm by
// SMTP charges it and releases the held answer; the ledger shows both
// kinds with who and why, and credits verify stays clean.
func TestCustomCharge_EndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support, ann = "support@support.example.com", "ann@shop.example"
	dbEnv := []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}
	cli := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := Run(ctx, args, &out, io.Discard, dbEnv); err != nil {
			t.Fatalf("helpdesk %s: %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	mails := func(n int) []demo.CapturedMail {
		t.Helper()
		env.App.Worker.Kick()
		if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) >= n }) {
			t.Fatalf("relay has %d mails, want %d", len(env.Relay.Mail()), n)
		}
		return env.Relay.Mail()
	}
	text := func(m demo.CapturedMail) string {
		t.Helper()
		_, parts := mustReadMail(t, m.Data)
		return strings.ReplaceAll(parts["text/plain"], "\r\n", "\n")
	}

	if err := env.Send(ann, []string{support}, "From: Ann <"+ann+">\r\nTo: "+support+"\r\nSubject: Install the PayPal add-on\r\n"+
		"Message-ID: <custom-1@shop.example>\r\n\r\nPlease install it for us.\r\n"); err != nil {
		t.Fatal(err)
	}
	mails(1)
	if out := cli("credits", "adjust", ann, "+150", "--reason", "goodwill: the outage of May 3", "--by", "jo"); !strings.Contains(out, "balance 150") {
		t.Fatalf("adjust: %s", out)
	}
	out := cli("ticket", "act", "1", "charge", "100", "--reason", "third-party installation", "--agent", "U0AGENT")
	if !strings.Contains(out, "asked to confirm a custom charge of 100 credits (third-party installation)") {
		t.Fatalf("charge: %s", out)
	}
	cli("ticket", "act", "1", "reply", "The add-on is installed.", "--agent", "U0AGENT")
	notice := mails(2)[1]
	if nt := text(notice); !strings.Contains(nt, "third-party installation, which costs 100 support credits") || !strings.Contains(nt, "150 credits") {
		t.Fatalf("the notice:\n%s", nt)
	}

	form := url.Values{"command": {"/helpdesk"}, "text": {"#1 charge 20 more work"}, "user_id": {"U0AGENT"}, "channel_id": {"C0SUPPORT"}}
	code, body, err := demo.PostSlackAt(ctx, env.App.HTTPAddr, "/slack/commands", "application/x-www-form-urlencoded", form.Encode(), demo.SigningSecret, time.Now())
	if err != nil || code != http.StatusOK || !strings.Contains(body, "waits for the customer") {
		t.Fatalf("a second charge from Slack: %d %v %s", code, err, body)
	}

	h, _ := mustReadMail(t, notice.Data)
	noticeID, _ := h.MessageID()
	subject, _ := h.Subject()
	if err := env.Send(ann, []string{support}, "From: Ann <"+ann+">\r\nTo: "+support+"\r\nSubject: Re: "+subject+"\r\n"+
		"Message-ID: <custom-2@shop.example>\r\nIn-Reply-To: <"+noticeID+">\r\n\r\n#confirm\r\n"); err != nil {
		t.Fatal(err)
	}
	var answered bool
	for _, m := range mails(4)[2:] {
		answered = answered || strings.Contains(text(m), "The add-on is installed.")
	}
	if !answered {
		t.Fatal("the held answer was not mailed after #confirm")
	}
	var st struct {
		Balance int `json:"balance"`
		Entries []struct {
			Kind, By, Reason string
			Amount           int
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(cli("credits", "show", ann, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Balance != 50 || len(st.Entries) != 2 ||
		st.Entries[0].Kind != "manual" || st.Entries[0].By != "jo" || st.Entries[0].Reason != "goodwill: the outage of May 3" ||
		st.Entries[1].Kind != "custom_charge" || st.Entries[1].By != "U0AGENT" || st.Entries[1].Amount != -100 ||
		!strings.Contains(st.Entries[1].Reason, "third-party installation") {
		t.Fatalf("credits show --json: %+v", st)
	}
	// ticket show names the custom charge, in text and in JSON.
	if out := cli("ticket", "show", "1"); !strings.Contains(out, "custom charge: 100 credits (third-party installation) by U0AGENT, charged") {
		t.Fatalf("ticket show:\n%s", out)
	}
	var tv struct {
		Credits struct {
			Custom []struct {
				Amount        int
				Reason, State string
			} `json:"custom"`
		} `json:"credits"`
	}
	if err := json.Unmarshal([]byte(cli("ticket", "show", "1", "--json")), &tv); err != nil ||
		len(tv.Credits.Custom) != 1 || tv.Credits.Custom[0].Amount != 100 || tv.Credits.Custom[0].State != "charged" {
		t.Fatalf("ticket show --json credits: %+v (%v)", tv.Credits, err)
	}
	// /status counts the adjustment by hand apart from charges.
	var status struct {
		Credits struct {
			Balance, Charged int64
			ByHand           int64 `json:"by_hand"`
		} `json:"credits"`
	}
	if err := json.Unmarshal([]byte(cli("status", "--direct", "--json")), &status); err != nil ||
		status.Credits.Balance != 50 || status.Credits.Charged != 100 || status.Credits.ByHand != 150 {
		t.Fatalf("status --json credits: %+v (%v)", status.Credits, err)
	}
	if out := cli("credits", "verify"); !strings.Contains(out, "credits verified") {
		t.Fatalf("verify: %s", out)
	}
}
