package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/internal/demo"
)

// TestCredits_EndToEnd: a customer whose account has a license grant
// opens a ticket by email; the agent assesses it as category 2 and
// answers; the customer gets the cost notice and confirms by replying
// #confirm; the held answer is released by email, and the balance and
// ledger are right (docs/rules.md §5).
func TestCredits_EndToEnd(t *testing.T) {
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
		if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) >= n }) {
			t.Fatalf("relay has %d mails, want %d", len(env.Relay.Mail()), n)
		}
		return env.Relay.Mail()
	}
	text := func(m demo.CapturedMail) string {
		t.Helper()
		_, parts := mustReadMail(t, m.Data)
		return parts["text/plain"]
	}

	// The customer's account, with a CS-Cart license.
	err = env.App.DB.Tx(ctx, func(tx core.Tx) error {
		a := &core.Account{Kind: core.AccountPresales, Name: "Shop", CreatedAt: time.Now()}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return tx.CreateProfile(ctx, &core.Profile{AccountID: a.ID, Email: ann, Name: "Ann", Role: core.RolePrimary, CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := cli("credits", "grant", ann, "--license", "cs-cart-first"); !strings.Contains(out, "+50 credits") || !strings.Contains(out, "balance 50") {
		t.Fatalf("grant: %s", out)
	}

	// 1. The ticket, by email: the acknowledgment.
	if err := env.Send(ann, []string{support}, "From: Ann <"+ann+">\r\nTo: "+support+"\r\nSubject: Checkout is blank\r\n"+
		"Message-ID: <credits-1@shop.example>\r\n\r\nThe checkout page is white.\r\n"); err != nil {
		t.Fatal(err)
	}
	mails(1)

	// 2. The agent assesses it as category 2 and answers: the customer
	// gets the cost notice, and the answer waits.
	if out := cli("ticket", "act", "1", "category", "2", "--agent", "U0AGENT"); !strings.Contains(out, "asked to confirm 10 credits") {
		t.Fatalf("category: %s", out)
	}
	if out := cli("ticket", "act", "1", "reply", "Set the store's default locale, then clear the cache.", "--agent", "U0AGENT"); !strings.Contains(out, "held") {
		t.Fatalf("reply: %s", out)
	}
	notice := mails(2)[1]
	nt := text(notice)
	for _, want := range []string{"category 2", "10 support credits", "50 credits", "#confirm", "#decline"} {
		if !strings.Contains(nt, want) {
			t.Fatalf("cost notice lacks %q:\n%s", want, nt)
		}
	}
	h, _ := mustReadMail(t, notice.Data)
	noticeID, _ := h.MessageID()
	subject, _ := h.Subject()
	var tj struct {
		Credits struct {
			Category             *int `json:"category"`
			Charged              int  `json:"charged"`
			Preagreed            bool `json:"preagreed"`
			AwaitingConfirmation bool `json:"awaiting_confirmation"`
		} `json:"credits"`
	}
	if err := json.Unmarshal([]byte(cli("ticket", "show", "1", "--json")), &tj); err != nil {
		t.Fatal(err)
	}
	if c := tj.Credits; c.Category == nil || *c.Category != 2 || c.Charged != 0 || !c.AwaitingConfirmation || c.Preagreed {
		t.Fatalf("ticket credits before the confirmation: %+v", c)
	}
	time.Sleep(300 * time.Millisecond) // three outbox polls: the held answer must not go out
	if got := len(env.Relay.Mail()); got != 2 {
		t.Fatalf("%d mails before the confirmation, want the acknowledgment and the notice", got)
	}

	// 3. The customer confirms by replying to the notice.
	if err := env.Send(ann, []string{support}, "From: Ann <"+ann+">\r\nTo: "+support+"\r\nSubject: Re: "+subject+"\r\n"+
		"Message-ID: <credits-2@shop.example>\r\nIn-Reply-To: <"+noticeID+">\r\n\r\n#confirm\r\n\r\n"+
		"On Mon, Support wrote:\r\n> Our answer waits for your decision.\r\n"); err != nil {
		t.Fatal(err)
	}
	got := mails(4)[2:]
	var answer, results string
	for _, m := range got {
		switch s := text(m); {
		case strings.Contains(s, "Set the store's default locale"):
			answer = s
		case strings.Contains(s, "#confirm: done"):
			results = s
		}
	}
	if answer == "" || results == "" || !strings.Contains(results, "10 credits charged, 40 left") {
		t.Fatalf("after #confirm, want the released answer and the confirmation; got:\n%s\n---\n%s", text(got[0]), text(got[1]))
	}

	// 4. The balance and the ledger.
	var st struct {
		Balance int `json:"balance"`
		Lots    []struct {
			Credits   int       `json:"credits"`
			Remaining int       `json:"remaining"`
			ExpiresAt time.Time `json:"expires_at"`
		} `json:"lots"`
		Entries []struct {
			Kind   string `json:"kind"`
			Amount int    `json:"amount"`
			Ticket *int64 `json:"ticket"`
			At     string `json:"at"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(cli("credits", "show", ann, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Balance != 40 || len(st.Lots) != 1 || st.Lots[0].Credits != 50 || st.Lots[0].Remaining != 40 ||
		st.Lots[0].ExpiresAt.Before(time.Now().AddDate(2, 0, -1)) {
		t.Fatalf("credits show: %+v", st)
	}
	if len(st.Entries) != 2 || st.Entries[0].Kind != "grant" || st.Entries[0].Amount != 50 || st.Entries[0].Ticket != nil ||
		st.Entries[1].Kind != "charge" || st.Entries[1].Amount != -10 || st.Entries[1].Ticket == nil || *st.Entries[1].Ticket != 1 ||
		st.Entries[1].At == "" {
		t.Fatalf("ledger: %+v", st.Entries)
	}
	if err := json.Unmarshal([]byte(cli("ticket", "show", "1", "--json")), &tj); err != nil {
		t.Fatal(err)
	}
	if c := tj.Credits; *c.Category != 2 || c.Charged != 10 || c.AwaitingConfirmation {
		t.Fatalf("ticket credits after the confirmation: %+v", c)
	}
	if out := cli("credits", "verify"); !strings.Contains(out, "verified") {
		t.Fatalf("verify: %s", out)
	}
	if out := cli("credits", "show", ann); !strings.Contains(out, "40 credits") || !strings.Contains(out, "charge") {
		t.Fatalf("credits show:\n%s", out)
	}
	// The Slack card shows the category, the charge and the balance.
	if !demo.WaitFor(func() bool {
		u := env.Slack.Updates()
		return len(u) > 0 && strings.Contains(u[len(u)-1].Blocks, "category 2") && strings.Contains(u[len(u)-1].Blocks, "balance 40")
	}) {
		t.Fatalf("the Slack card does not show the credits (%d updates)", len(env.Slack.Updates()))
	}

	// 5. Bad input is refused with a reason and changes nothing.
	refused := []struct {
		args []string
		want string
	}{
		{[]string{"credits", "grant", "nobody@x.example", "--license", "multivendor"}, "no profile"},
		{[]string{"credits", "grant", ann, "--license", "joomla"}, "not a license"},
		{[]string{"credits", "purchase", ann, "--package", "30"}, "no package of 30"},
		{[]string{"credits", "purchase", ann, "--package", "-25"}, "no package"},
		{[]string{"credits", "transfer", ann, "nobody@x.example", "5"}, "no profile"},
		{[]string{"credits", "transfer", ann, ann, "5"}, "same account"},
		{[]string{"credits", "transfer", ann, "bob@x.example", "-5"}, "-5"},
		{[]string{"credits", "transfer", ann, "bob@x.example", "--", "-5"}, "not an amount"},
		{[]string{"credits", "transfer", ann, "bob@x.example", "99999999999"}, "not an amount"},
		{[]string{"credits", "transfer", ann, "bob@x.example", "five"}, "whole number"},
		{[]string{"credits", "show", "nobody@x.example"}, "not found"},
	}
	for _, r := range refused {
		err := Run(ctx, r.args, io.Discard, io.Discard, dbEnv)
		if err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("helpdesk %s: %v, want %q", strings.Join(r.args, " "), err, r.want)
		}
	}
	if err := json.Unmarshal([]byte(cli("credits", "show", ann, "--json")), &st); err != nil || st.Balance != 40 || len(st.Entries) != 2 {
		t.Fatalf("after refusals: %+v (%v)", st, err)
	}

	// 6. Two years on, the sweep writes off what is left of the lot.
	at := st.Lots[0].ExpiresAt.Add(time.Minute).UTC().Format(time.RFC3339)
	if out := cli("sweep", "--at", at); !strings.Contains(out, "40 credits expired in 1 lots") {
		t.Fatalf("sweep: %s", out)
	}
	if err := json.Unmarshal([]byte(cli("credits", "show", ann, "--json")), &st); err != nil || st.Balance != 0 ||
		len(st.Entries) != 3 || st.Entries[2].Kind != "expiry" || st.Entries[2].Amount != -40 {
		t.Fatalf("after expiry: %+v (%v)", st, err)
	}
	cli("credits", "verify")
}
