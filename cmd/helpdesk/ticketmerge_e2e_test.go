package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"helpdesk/internal/demo"
)

// TestTicketMerge_EndToEnd pins docs/rules.md §2's merge over real SMTP:
// `ticket act 1 merge 2` moves #1's messages into #2 and closes #1
// pointing to it, tells the customer once, notes it in both Slack
// threads, and the customer's later reply to #1's mail reaches #2.
func TestTicketMerge_EndToEnd(t *testing.T) {
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	const support = "support@support.example.com"
	send := func(id, subject, extra, text string) {
		t.Helper()
		msg := "From: Ann <ann@shop.example>\r\nTo: " + support + "\r\nSubject: " + subject + "\r\n" +
			"Message-ID: <" + id + ">\r\n" + extra + "\r\n" + text + "\r\n"
		if err := env.Send("ann@shop.example", []string{support}, msg); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
	}
	send("m-1@shop.example", "PayPal fails", "", "PayPal says error 10486.")
	send("m-2@shop.example", "Checkout broken", "", "Nobody can pay.")
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 2 && len(env.Slack.Posts()) == 2 }) {
		t.Fatalf("relay got %d mails, Slack %d posts; want 2 and 2", len(env.Relay.Mail()), len(env.Slack.Posts()))
	}
	var ack1 string
	for _, m := range env.Relay.Mail() {
		if h, _ := mustReadMail(t, m.Data); strings.Contains(h.Get("Subject"), "[#1]") {
			ack1, _ = h.MessageID()
		}
	}
	if ack1 == "" {
		t.Fatal("no acknowledgment of #1")
	}

	cfgEnv := []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(ctx, args, &out, io.Discard, cfgEnv)
		return out.String(), err
	}
	for _, c := range []struct{ args, want string }{
		{"1 merge 1", "into itself"},
		{"1 merge 9", "no ticket #9"},
		{"1 merge x", "no ticket number"},
	} {
		if _, err := cli(append([]string{"ticket", "act"}, strings.Fields(c.args)...)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ticket act %s: %v, want %q", c.args, err, c.want)
		}
	}
	// A charge on #1 stays on #1 and shows on the survivor.
	for _, args := range [][]string{{"credits", "purchase", "ann@shop.example", "--package", "25"}, {"ticket", "act", "1", "category", "1"}} {
		if out, err := cli(args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if out, err := cli("ticket", "act", "1", "merge", "#2"); err != nil || !strings.Contains(out, "merged into #2") {
		t.Fatalf("merge: %v\n%s", err, out)
	}
	if _, err := cli("ticket", "act", "2", "merge", "1"); err == nil || !strings.Contains(err.Error(), "merged into #2") {
		t.Errorf("merge into the merged ticket: %v", err)
	}
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	// One notice, about #2, to the customer.
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 3 }) {
		t.Fatalf("relay got %d mails, want the 2 acknowledgments and 1 merge notice", len(env.Relay.Mail()))
	}
	h, parts := mustReadMail(t, env.Relay.Mail()[2].Data)
	if s := h.Get("Subject"); !strings.Contains(s, "[#2]") || !strings.Contains(parts["text/plain"], "#1") {
		t.Errorf("merge notice %q:\n%s", s, parts["text/plain"])
	}
	var notes []string
	for _, p := range env.Slack.Posts() {
		if p.ThreadTS != "" {
			notes = append(notes, p.Text+p.Blocks)
		}
	}
	if all := strings.Join(notes, "\n"); !strings.Contains(all, "merged into #2") || !strings.Contains(all, "ticket #1 merged into this one") {
		t.Errorf("Slack thread notes:\n%s", all)
	}

	// The customer answers #1's acknowledgment: it reaches #2.
	send("m-3@shop.example", "Re: [#1] PayPal fails", "In-Reply-To: <"+ack1+">\r\n", "Here is the log.")
	send("m-4@shop.example", "Re: [#1] PayPal fails", "", "And a screenshot.")
	var show struct {
		Status     string `json:"status"`
		MergedInto *int64 `json:"merged_into"`
		Merged     []int64
		Messages   []struct{ Text string }
		Charges    []struct {
			Ticket int64
			Amount int
		} `json:"merged_charges"`
	}
	out, err := cli("ticket", "show", "1", "--json")
	if err != nil {
		t.Fatal(err)
	}
	mustJSON(t, []byte(out), &show)
	if show.Status != "closed" || show.MergedInto == nil || *show.MergedInto != 2 || len(show.Messages) != 0 {
		t.Fatalf("ticket 1 after the merge: %s", out)
	}
	if out, err = cli("ticket", "show", "2", "--json"); err != nil {
		t.Fatal(err)
	}
	show.MergedInto = nil
	mustJSON(t, []byte(out), &show)
	var texts []string
	for _, m := range show.Messages {
		texts = append(texts, m.Text)
	}
	if show.MergedInto != nil || len(show.Merged) != 1 || show.Merged[0] != 1 ||
		len(show.Charges) != 1 || show.Charges[0].Ticket != 1 || show.Charges[0].Amount != -5 ||
		strings.Join(texts, "|") != "PayPal says error 10486.|Nobody can pay.|Here is the log.|And a screenshot." {
		t.Fatalf("ticket 2 after the merge and the replies: merged %v, messages %q", show.Merged, texts)
	}
	if out, err = cli("ticket", "show", "2"); err != nil || !strings.Contains(out, "merged from #1") ||
		!strings.Contains(out, "charge on #1: -5 credits") {
		t.Fatalf("ticket show 2: %v\n%s", err, out)
	}
	if ts := mustTickets(t, env); len(ts) != 2 {
		t.Fatalf("%d tickets, want 2: a reply to a merged ticket opens none", len(ts))
	}
}
