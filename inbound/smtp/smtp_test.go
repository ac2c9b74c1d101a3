package smtp

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/core"
	"helpdesk/core/token"
	"helpdesk/internal/storetest"
	"helpdesk/store"
)

type fixture struct {
	srv    *Server
	addr   string
	db     *store.DB
	dbPath string
}

func mustServer(t testing.TB, opts Options) *fixture {
	t.Helper()
	db := storetest.Open(t)
	path := db.Path()
	svc, err := core.NewService(db, core.Options{
		Domain: "support.example.com", Secret: []byte("k"),
		Departments: []core.Department{{Name: "support", Addresses: []string{"support@support.example.com"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := New(svc, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &fixture{srv: srv, addr: ln.Addr().String(), db: db, dbPath: path}
}

// send delivers one message over a real SMTP conversation and returns the
// server's answer (nil for 250).
func send(t *testing.T, addr, from string, to []string, msg string) error {
	t.Helper()
	c, err := gosmtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	return c.SendMail(from, to, strings.NewReader(msg))
}

func smtpCode(err error) int {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	if err == nil {
		return 250
	}
	return -1
}

const good = "From: Ann <ann@shop.example>\r\nTo: support@support.example.com\r\n" +
	"Subject: Checkout page is blank\r\nMessage-ID: <m1@shop.example>\r\n\r\nSince this morning.\r\n"

func (f *fixture) tickets(t *testing.T) []core.TicketSummary {
	t.Helper()
	list, err := f.db.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestServer_Accepts(t *testing.T) {
	f := mustServer(t, Options{})
	if err := send(t, f.addr, "ann@shop.example", []string{"support@support.example.com"}, good); err != nil {
		t.Fatalf("send: %v", err)
	}
	// 250 came after the commit, so the ticket is there now.
	list := f.tickets(t)
	if len(list) != 1 || list[0].Subject != "Checkout page is blank" {
		t.Fatalf("tickets %+v", list)
	}
	// The same mail again is accepted and stored once.
	if err := send(t, f.addr, "ann@shop.example", []string{"support@support.example.com"}, good); err != nil {
		t.Fatalf("second send: %v", err)
	}
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets after a duplicate, want 1", n)
	}
}

func TestServer_BadInput(t *testing.T) {
	f := mustServer(t, Options{MaxMessageBytes: 4096})
	rcpt := []string{"support@support.example.com"}
	cases := []struct {
		name     string
		rcpt     []string
		msg      string
		code     int
		contains string
	}{
		{"recipient outside our domain", []string{"victim@elsewhere.example"}, good, 550, "relaying is not permitted"},
		{"unknown local part", []string{"root@support.example.com"}, good, 550, "no such recipient"},
		{"over the size limit", rcpt, good + strings.Repeat("x", 5000) + "\r\n", 552, ""},
		{"not a mail at all", rcpt, "just some words\r\nand more\r\n", 554, "no header section"},
		{"empty body and no subject", rcpt, "From: ann@shop.example\r\nMessage-ID: <e@x>\r\n\r\n", 554, "no subject, text or attachment"},
		{"no From", rcpt, "To: support@support.example.com\r\nSubject: hi\r\n\r\nhello\r\n", 554, "From"},
		{"several From, no Sender", rcpt, "From: eve@evil.example, ann@shop.example\r\nSubject: hi\r\n\r\n#close\r\n", 554,
			"several From addresses and no Sender"},
		{"bounce address with a forged token", []string{"bounces+aebagbafaydqqcikbmga2dqpcaireeyu@support.example.com"}, good, 550, "no such recipient"},
		{"bounce address without a token", []string{"bounces@support.example.com"}, good, 550, "no such recipient"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := send(t, f.addr, "ann@shop.example", c.rcpt, c.msg)
			if got := smtpCode(err); got != c.code {
				t.Fatalf("answer %d (%v), want %d", got, err, c.code)
			}
			if !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("answer %q does not say %q", err, c.contains)
			}
		})
	}
	if n := len(f.tickets(t)); n != 0 {
		t.Fatalf("%d tickets written by refused mail, want 0", n)
	}
}

func TestServer_Raw8BitHeaders(t *testing.T) {
	f := mustServer(t, Options{})
	msg := "From: J\xfcrgen M\xfcller <juergen@shop.example>\r\nTo: support@support.example.com\r\n" +
		"Subject: Gr\xfc\xdfe\r\nMessage-ID: <8bit@shop.example>\r\n\r\nHallo\r\n"
	if err := send(t, f.addr, "juergen@shop.example", []string{"support@support.example.com"}, msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	list := f.tickets(t)
	if len(list) != 1 || list[0].Subject != "Grüße" || list[0].Account.Name != "Jürgen Müller" {
		t.Fatalf("tickets %+v, want subject Grüße from Jürgen Müller", list)
	}
}

// TestServer_TemporaryStorageError holds the database's write lock from
// another connection: the client must get 451 and nothing may be written;
// once the lock is gone, the retry is accepted.
func TestServer_TemporaryStorageError(t *testing.T) {
	storetest.SQLiteOnly(t)
	f := mustServer(t, Options{ReceiveTimeout: 300 * time.Millisecond})
	other, err := sql.Open("sqlite3", "file:"+f.dbPath+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	rcpt := []string{"support@support.example.com"}
	err = send(t, f.addr, "ann@shop.example", rcpt, good)
	if got := smtpCode(err); got != 451 {
		t.Fatalf("answer %d (%v) while the database is locked, want 451", got, err)
	}
	if strings.Contains(err.Error(), "sqlite") || strings.Contains(err.Error(), "database") {
		t.Fatalf("answer leaks internals: %v", err)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if n := len(f.tickets(t)); n != 0 {
		t.Fatalf("%d tickets after 451, want 0", n)
	}
	if err := send(t, f.addr, "ann@shop.example", rcpt, good); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(f.tickets(t)); n != 1 {
		t.Fatalf("%d tickets after the retry, want 1", n)
	}
}

// The gateway's own signed return path takes mail (docs/rules.md §6):
// a report that comes back to it is stored; mail from several authors
// with a Sender acts as the Sender.
func TestServer_BounceAddressAndSender(t *testing.T) {
	f := mustServer(t, Options{})
	rp := core.BounceLocal + "+" + token.SignBounce([]byte("k"), 1) + "@support.example.com"
	report := "From: MAILER-DAEMON@mx.shop.example\r\nTo: " + rp + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"Message-ID: <r1@mx.shop.example>\r\n\r\nThis is the mail system at host mx.shop.example.\r\n\r\n<ann@shop.example>: user unknown, 550 5.1.1\r\n"
	if err := send(t, f.addr, "", []string{strings.ToUpper(rp)}, report); err != nil {
		t.Fatalf("report to the return path: %v", err)
	}
	if n := len(f.tickets(t)); n != 0 {
		t.Fatalf("a report opened %d tickets", n)
	}
	two := "From: Ann <ann@shop.example>, Bob <bob@shop.example>\r\nSender: bob@shop.example\r\nTo: support@support.example.com\r\n" +
		"Subject: From both of us\r\nMessage-ID: <m2@shop.example>\r\n\r\nHello.\r\n"
	if err := send(t, f.addr, "bob@shop.example", []string{"support@support.example.com"}, two); err != nil {
		t.Fatalf("two authors and a Sender: %v", err)
	}
	if list := f.tickets(t); len(list) != 1 || list[0].Email != "bob@shop.example" {
		t.Fatalf("tickets %+v, want one from the Sender", list)
	}
}
