package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
	"helpdesk/internal/demo"
)

// peopleEnv is the gateway with Ann and Bob as profiles of one account.
type peopleEnv struct {
	t     *testing.T
	env   *demo.Env
	dbEnv []string
}

const (
	support  = "support@support.example.com"
	annAddr  = "ann@shop.example"
	bobAddr  = "bob@shop.example"
	carlAddr = "carl@contractor.example"
)

func mustPeopleEnv(t *testing.T) *peopleEnv {
	t.Helper()
	ctx := context.Background()
	env, err := demo.Start(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close(ctx) })
	// There is no CLI for profiles yet: Bob joins Ann's account directly.
	err = env.App.DB.Tx(ctx, func(tx core.Tx) error {
		acc := &core.Account{Kind: core.AccountCustomer, Name: "Shop", PriorityFactor: 1}
		if err := tx.CreateAccount(ctx, acc); err != nil {
			return err
		}
		for _, p := range []core.Profile{{Email: annAddr, Name: "Ann", Role: core.RolePrimary},
			{Email: bobAddr, Name: "Bob", Role: core.RoleSecondary}} {
			p.AccountID = acc.ID
			if err := tx.CreateProfile(ctx, &p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &peopleEnv{t: t, env: env, dbEnv: []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path}}
}

func (p *peopleEnv) cli(args ...string) string {
	p.t.Helper()
	var out bytes.Buffer
	if err := Run(context.Background(), args, &out, io.Discard, p.dbEnv); err != nil {
		p.t.Fatalf("helpdesk %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

// received is one captured mail, read.
type received struct {
	rcpt, messageID, replyTo, subject, text string
	to, cc                                  []string
}

// next waits for n more mails after the first seen and returns them by
// envelope recipient, failing on two to one address.
func (p *peopleEnv) next(seen, n int) map[string]received {
	p.t.Helper()
	if !demo.WaitFor(func() bool { return len(p.env.Relay.Mail()) >= seen+n }) {
		p.t.Fatalf("relay has %d mails, want %d", len(p.env.Relay.Mail()), seen+n)
	}
	out := map[string]received{}
	for _, m := range p.env.Relay.Mail()[seen:] {
		h, parts := mustReadMail(p.t, m.Data)
		r := received{rcpt: strings.Join(m.To, ","), text: parts["text/plain"]}
		r.messageID, _ = h.MessageID()
		r.subject, _ = h.Subject()
		if rt, _ := h.AddressList("Reply-To"); len(rt) == 1 {
			r.replyTo = rt[0].Address
		}
		for _, f := range []struct {
			name string
			to   *[]string
		}{{"To", &r.to}, {"Cc", &r.cc}} {
			as, _ := h.AddressList(f.name)
			for _, a := range as {
				*f.to = append(*f.to, a.Address)
			}
		}
		if _, dup := out[r.rcpt]; dup {
			p.t.Fatalf("two mails to %s", r.rcpt)
		}
		out[r.rcpt] = r
	}
	return out
}

// replyAll answers got as Gmail's "reply all" does: To the Reply-To,
// Cc everyone else the mail showed, In-Reply-To and References, the
// history quoted below.
func (p *peopleEnv) replyAll(from string, got received, n int, body string) {
	p.t.Helper()
	var cc []string
	for _, a := range append(append([]string{}, got.to...), got.cc...) {
		if a != from {
			cc = append(cc, a)
		}
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nCc: %s\r\nSubject: Re: %s\r\nMessage-ID: <reply-%d-%s>\r\n"+
		"In-Reply-To: <%s>\r\nReferences: <people-open@shop.example> <%s>\r\n"+
		"Content-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n\r\n"+
		"On Mon, 23 Nov 2026 at 10:00, Example Support <%s> wrote:\r\n> %s\r\n",
		from, got.replyTo, strings.Join(cc, ", "), got.subject, n, from, got.messageID, got.messageID,
		body, got.replyTo, strings.ReplaceAll(strings.TrimSpace(got.text), "\n", "\n> "))
	if err := p.env.Send(from, []string{got.replyTo}, msg); err != nil {
		p.t.Fatalf("%s replies: %v", from, err)
	}
}

// TestPeople_ReplyAll is a conversation of three (docs/rules.md §1, §6):
// Ann writes with Bob (her colleague) and Carl (a contractor) in Cc;
// each answers by "reply all" and every reply lands on the one ticket;
// the acknowledgment and the agent's answer reach each of them once;
// Carl cannot close the ticket, and Bob takes him off it.
func TestPeople_ReplyAll(t *testing.T) {
	p := mustPeopleEnv(t)
	open := "From: Ann <" + annAddr + ">\r\nTo: Support <" + support + ">\r\nCc: Bob <" + bobAddr + ">, Carl <" + carlAddr + ">\r\n" +
		"Subject: Checkout page is blank\r\nMessage-ID: <people-open@shop.example>\r\n\r\nThe checkout shows a white page.\r\n"
	if err := p.env.Send(annAddr, []string{support}, open); err != nil {
		t.Fatal(err)
	}
	acks := p.next(0, 3)
	people := []string{annAddr, bobAddr, carlAddr}
	for _, who := range people {
		a, ok := acks[who]
		if !ok || !slices.Equal(a.to, []string{annAddr}) || !slices.Equal(a.cc, []string{bobAddr, carlAddr}) {
			t.Fatalf("acknowledgment to %s: %+v (all: %v)", who, a, acks)
		}
		if !strings.HasPrefix(a.replyTo, "support+") {
			t.Errorf("%s's Reply-To %q carries no token", who, a.replyTo)
		}
	}
	if acks[annAddr].replyTo == acks[carlAddr].replyTo {
		t.Errorf("ann and carl share a Reply-To")
	}

	for i, who := range people {
		p.replyAll(who, acks[who], i, "Reply from "+who)
	}
	tickets := mustTickets(t, p.env)
	if len(tickets) != 1 {
		t.Fatalf("%d tickets after the replies, want 1: %+v", len(tickets), tickets)
	}
	msgs := mustMessages(t, p.env, 1)
	if len(msgs) != 4 {
		t.Fatalf("ticket 1 has %d messages, want the opening mail and three replies", len(msgs))
	}
	for i, who := range people {
		if msgs[i+1].Text != "Reply from "+who || !strings.Contains(msgs[i+1].Quoted, "wrote:") {
			t.Errorf("message %d: %+v", i+1, msgs[i+1])
		}
	}

	p.cli("ticket", "act", "1", "reply", "Please clear the cache.", "--agent", "U0AGENT")
	answers := p.next(3, 3)
	for _, who := range people {
		if !strings.Contains(answers[who].text, "Please clear the cache.") {
			t.Fatalf("answer to %s: %+v", who, answers[who])
		}
	}

	// Carl's #close is refused, by mail to him; the ticket stays open.
	p.replyAll(carlAddr, answers[carlAddr], 10, "#close")
	refusal := p.next(6, 1)[carlAddr]
	if !strings.Contains(refusal.text, "#close: not done") || !slices.Equal(refusal.to, []string{carlAddr}) {
		t.Fatalf("carl's #close answered:\n%+v", refusal)
	}
	if out := p.cli("ticket", "show", "1"); !strings.Contains(out, "status in_progress") ||
		!strings.Contains(out, "requester "+annAddr+" · cc "+bobAddr+", "+carlAddr) {
		t.Fatalf("after carl's #close:\n%s", out)
	}

	// Bob takes Carl off the ticket.
	p.replyAll(bobAddr, answers[bobAddr], 11, "#cc remove "+carlAddr)
	if done := p.next(7, 1)[bobAddr]; !strings.Contains(done.text, "done") {
		t.Fatalf("bob's #cc remove answered:\n%s", done.text)
	}
	var tj struct {
		Participants []map[string]string `json:"participants"`
	}
	if err := json.Unmarshal([]byte(p.cli("ticket", "show", "1", "--json")), &tj); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{{"email": annAddr, "role": "requester"}, {"email": bobAddr, "role": "participant"}}
	if fmt.Sprint(tj.Participants) != fmt.Sprint(want) {
		t.Fatalf("participants %v, want %v", tj.Participants, want)
	}

	// An agent adds him back from the command line.
	p.cli("ticket", "act", "1", "cc", "add", carlAddr, "--agent", "U0AGENT")
	if out := p.cli("ticket", "show", "1"); !strings.Contains(out, "cc "+bobAddr+", "+carlAddr) {
		t.Fatalf("after cc add:\n%s", out)
	}
}

// TestPeople_CommandResultsAreNotAutomatic: the results of a customer's
// own commands are not counted by the 10-an-hour loop guard, so the 11th
// in an hour is mailed; 60 an hour still stop a runaway loop, so the
// 61st is not (docs/rules.md §6).
func TestPeople_CommandResultsAreNotAutomatic(t *testing.T) {
	p := mustPeopleEnv(t)
	open := "From: Ann <" + annAddr + ">\r\nTo: " + support + "\r\nSubject: Loop\r\nMessage-ID: <people-loop@shop.example>\r\n\r\nHello.\r\n"
	if err := p.env.Send(annAddr, []string{support}, open); err != nil {
		t.Fatal(err)
	}
	p.next(0, 1)
	send := func(i int) {
		t.Helper()
		prio := []string{"major", "minor"}[i%2]
		msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Re: [#1] Loop\r\nMessage-ID: <cmd-%d@shop.example>\r\n\r\n#priority %s\r\n",
			annAddr, support, i, prio)
		if err := p.env.Send(annAddr, []string{support}, msg); err != nil {
			t.Fatalf("command mail %d: %v", i, err)
		}
	}
	for i := range core.DefaultAutoMailLimit + 1 {
		send(i)
	}
	if !demo.WaitFor(func() bool { return len(p.env.Relay.Mail()) == 1+core.DefaultAutoMailLimit+1 }) {
		t.Fatalf("relay has %d mails after %d command mails, want the acknowledgment and every result",
			len(p.env.Relay.Mail()), core.DefaultAutoMailLimit+1)
	}
	for i := core.DefaultAutoMailLimit + 1; i <= core.DefaultAnswerMailLimit; i++ {
		send(i)
	}
	total := 1 + core.DefaultAnswerMailLimit
	if !demo.WaitFor(func() bool { return len(p.env.Relay.Mail()) >= total }) {
		t.Fatalf("relay has %d mails, want %d", len(p.env.Relay.Mail()), total)
	}
	if _, err := p.env.App.Worker.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(p.env.Relay.Mail()); got != total {
		t.Fatalf("%d mails after %d command mails, want %d: the 61st result is not mailed", got, core.DefaultAnswerMailLimit+1, total)
	}
}
