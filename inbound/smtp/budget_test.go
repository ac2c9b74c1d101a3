package smtp

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/inbound/mail"
)

// nested is a mail whose multiparts nest depth levels deep.
func nested(depth int) string {
	var b strings.Builder
	b.WriteString("From: Ann <ann@shop.example>\r\nTo: support@support.example.com\r\nSubject: nested\r\nMessage-ID: <n1@shop.example>\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\nThe bottom.\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.String()
}

// replies records what OnReply is told.
type replies struct {
	mu   sync.Mutex
	seen []string
}

func (r *replies) on(code int, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, fmt.Sprintf("%d %s", code, reason))
}

func (r *replies) has(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.seen, s)
}

// TestServer_MIMELimit refuses a mail nested deeper than ParseOptions
// allow with 554 5.6.0 and the limit in the reply, and counts it as
// mime_limit; the connection stays usable.
func TestServer_MIMELimit(t *testing.T) {
	var r replies
	f := mustServer(t, Options{ParseOptions: mail.ParseOptions{MaxMIMEDepth: 4}, OnReply: r.on})
	err := send(t, f.addr, "ann@shop.example", []string{"support@support.example.com"}, nested(5))
	var se *gosmtp.SMTPError
	if smtpCode(err) != 554 || !asSMTP(err, &se) || se.EnhancedCode != (gosmtp.EnhancedCode{5, 6, 0}) ||
		!strings.Contains(se.Message, "MIME nesting deeper than 4 levels") {
		t.Fatalf("err=%v, want 554 5.6.0 MIME nesting deeper than 4 levels", err)
	}
	if !r.has("554 mime_limit") {
		t.Fatalf("replies %q lack 554 mime_limit", r.seen)
	}
	if err := send(t, f.addr, "ann@shop.example", []string{"support@support.example.com"}, nested(4)); err != nil {
		t.Fatalf("a mail at the limit: %v", err)
	}
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

// TestServer_ParseBudget: a message reserves its share of the parse
// budget before its body is read. When the budget stays full it gets
// 452 4.3.1 (busy) and the client tries later; a message that waits gets
// its turn as soon as the budget frees, and gives its share back.
func TestServer_ParseBudget(t *testing.T) {
	budget := mail.NewBudget(64 << 10)
	hold, err := budget.Acquire(context.Background(), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	var r replies
	busy := mustServer(t, Options{ParseBudget: budget, BudgetWait: -1, OnReply: r.on})
	err = send(t, busy.addr, "ann@shop.example", []string{"support@support.example.com"}, good)
	var se *gosmtp.SMTPError
	if !asSMTP(err, &se) || se.Code != 452 || se.EnhancedCode != (gosmtp.EnhancedCode{4, 3, 1}) {
		t.Fatalf("err=%v, want 452 4.3.1", err)
	}
	if !r.has("452 busy") {
		t.Fatalf("replies %q lack 452 busy", r.seen)
	}

	waits := mustServer(t, Options{ParseBudget: budget, BudgetWait: time.Hour})
	done := make(chan error, 1)
	go func() {
		done <- send(t, waits.addr, "ann@shop.example", []string{"support@support.example.com"}, good)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for _, n := budget.InUse(); n == 0; _, n = budget.InUse() {
		if time.Now().After(deadline) {
			t.Fatal("the message never waited for the budget")
		}
		time.Sleep(time.Millisecond)
	}
	hold.Release()
	if err := <-done; err != nil {
		t.Fatalf("the waiting message: %v", err)
	}
	if used, n := budget.InUse(); used != 0 || n != 0 {
		t.Fatalf("budget used %d waiting %d after the message, want 0 0", used, n)
	}

	// A message larger than the whole budget takes all of it.
	big := strings.Replace(good, "Since this morning.", strings.Repeat("Since this morning. ", 10000), 1)
	big = strings.Replace(big, "<m1@", "<m2@", 1)
	if err := send(t, busy.addr, "ann@shop.example", []string{"support@support.example.com"}, big); err != nil {
		t.Fatalf("a %d-byte message through a %d-byte budget: %v", len(big), 64<<10, err)
	}
}

// TestServer_ParseBudgetWithoutSize: a message without SIZE reserves
// sizelessReserve, not the largest size, so a small one is read while a
// large one holds most of the budget; one that outgrows it takes the
// largest size in turn, or gets 452 4.3.1 when that does not come within
// BudgetWait, and gives back what it held.
func TestServer_ParseBudgetWithoutSize(t *testing.T) {
	const capacity, maxBytes = 8 << 20, 6 << 20
	budget := mail.NewBudget(capacity)
	hold, err := budget.Acquire(context.Background(), capacity-3*sizelessReserve/2)
	if err != nil {
		t.Fatal(err)
	}
	var r replies
	f := mustServer(t, Options{ParseBudget: budget, BudgetWait: -1, MaxMessageBytes: maxBytes, OnReply: r.on})
	to := []string{"support@support.example.com"}
	if err := send(t, f.addr, "ann@shop.example", to, good); err != nil {
		t.Fatalf("a small mail without SIZE, the budget mostly held: %v", err)
	}
	large := strings.Replace(good, "Since this morning.", strings.Repeat("Since this morning, all day long.\r\n", 60000), 1)
	large = strings.Replace(large, "<m1@", "<m2@", 1)
	err = send(t, f.addr, "bob@shop.example", to, large)
	var se *gosmtp.SMTPError
	if !asSMTP(err, &se) || se.Code != 452 || se.EnhancedCode != (gosmtp.EnhancedCode{4, 3, 1}) {
		t.Fatalf("a %d-byte mail without SIZE, no room to grow: err=%v, want 452 4.3.1", len(large), err)
	}
	if !r.has("452 busy") {
		t.Fatalf("replies %q lack 452 busy", r.seen)
	}
	if used, _ := budget.InUse(); used != capacity-3*sizelessReserve/2 {
		t.Fatalf("budget used %d after the refused mail, want only the held %d", used, capacity-3*sizelessReserve/2)
	}
	hold.Release()
	if err := send(t, f.addr, "bob@shop.example", to, large); err != nil {
		t.Fatalf("the same mail with room to grow: %v", err)
	}
	if used, waiting := budget.InUse(); used != 0 || waiting != 0 {
		t.Fatalf("budget used %d, %d waiting after the mails; want 0, 0", used, waiting)
	}
	if n := len(f.tickets(t)); n != 2 {
		t.Fatalf("%d tickets, want 2", n)
	}
}
