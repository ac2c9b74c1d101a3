package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"helpdesk/inbound/mail"
)

// nestedMail is mail n nested depth multiparts deep.
func nestedMail(n, depth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Customer <c%d@customer.example>\nTo: support@support.example.com\nSubject: printer %d\nMessage-ID: <m%d@customer.example>\n", n, n, n)
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\n\nThe bottom.\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\n", i)
	}
	return b.String()
}

// TestPoller_MIMELimit quarantines mail over a MIME limit with the limit
// as its reason, and receives the mail around it.
func TestPoller_MIMELimit(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1))
	f.srv.append(t, "INBOX", nestedMail(2, 6))
	f.srv.append(t, "INBOX", nestedMail(3, 5))
	opts := f.opts()
	opts.ParseOptions = mail.ParseOptions{MaxMIMEDepth: 5}
	p := New(f.svc, f.st, opts)
	f.run(t, p)
	waitFor(t, "the batch", func() bool { return p.State().LastUID == 3 })
	q := f.st.list()
	if len(q) != 1 || q[0].Reason != "MIME nesting deeper than 5 levels" || q[0].MessageID != "m2@customer.example" || q[0].Raw == nil {
		t.Fatalf("quarantined %+v, want mail 2 for its nesting", q)
	}
	if got, want := f.subjects(t), []string{"printer 1", "printer 3"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
}

// TestPoller_ParseBudget: the poller reserves the size of the bodies it
// fetches from the parse budget it shares with the other channels, waits
// while the budget is full, and gives the share back once the mail is
// stored.
func TestPoller_ParseBudget(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1))
	f.srv.append(t, "INBOX", mailN(2))
	budget := mail.NewBudget(1 << 20)
	hold, err := budget.Acquire(context.Background(), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	opts := f.opts()
	opts.ParseBudget = budget
	p := New(f.svc, f.st, opts)
	f.run(t, p)
	waitFor(t, "the poller to wait for the budget", func() bool { _, n := budget.InUse(); return n == 1 })
	if n := len(f.srv.sent("BODY.PEEK[]")); n != 0 || len(f.subjects(t)) != 0 {
		t.Fatalf("%d body fetches and tickets %q while the budget was full, want none", n, f.subjects(t))
	}
	hold.Release()
	waitFor(t, "the batch", func() bool { return p.State().LastUID == 2 })
	if got, want := f.subjects(t), []string{"printer 1", "printer 2"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	waitFor(t, "the budget to be given back", func() bool { used, n := budget.InUse(); return used == 0 && n == 0 })
}
