package imap

// End-to-end tests of the poller against a real, private Dovecot (see
// package imaptest), each with its own server, a real SQLite store and a
// real core. They skip when Dovecot is not installed, and fail then when
// HELPDESK_REQUIRE_DOVECOT=1.

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"helpdesk/inbound/imap/imaptest"
)

// dovecotUser is the mailbox owner of every test server.
const dovecotUser = imaptest.DefaultUser

func TestDovecot_NewMail(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	const n = 5
	for i := 1; i <= n; i++ {
		d.srv.Append(t, dovecotUser, "INBOX", customerMail("new", i))
	}

	p := New(d.svc, d.st, d.opts())
	stop := runPoller(t, p)
	eventually(t, p, "five tickets", func() bool { return p.State().Processed == n && p.State().LastUID == n })
	// \Seen comes after the commit, and the cursor after \Seen: once the
	// cursor is written every message is acknowledged.
	eventually(t, p, "the cursor", func() bool { _, last := d.cursor(t, "support"); return last == n })
	stop()

	if got, want := d.tickets(t), subjects("new", 1, n); !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	if all, cnt := d.allSeen(t, "INBOX"); !all || cnt != n {
		t.Fatalf("flags=%v, want %d messages, all \\Seen", d.srv.Flags(t, dovecotUser, "INBOX"), n)
	}
	status := d.srv.Status(t, dovecotUser, "INBOX")
	if uv, last := d.cursor(t, "support"); uv != status.UIDValidity || last != status.UIDNext-1 || last != n {
		t.Fatalf("cursor=(%d, %d), want (%d, %d)", uv, last, status.UIDValidity, status.UIDNext-1)
	}
	if st := p.State(); st.Duplicates != 0 || st.Quarantined != 0 || st.LastError != "" || st.UIDValidity != status.UIDValidity {
		t.Fatalf("state=%+v", st)
	}
	if strings.Contains(d.log.String(), imaptest.DefaultPassword) {
		t.Fatal("the password is in the log")
	}

	// A restart takes nothing again: not even as duplicates, since the
	// cursor says everything is done.
	p2 := New(d.svc, d.st, d.opts())
	runPoller(t, p2)
	eventually(t, p2, "a first sync", func() bool { return !p2.State().LastSuccess.IsZero() })
	first := p2.State().LastSuccess
	eventually(t, p2, "two more syncs", func() bool { return p2.State().LastSuccess.Sub(first) >= 2*d.opts().PollInterval })
	if st := p2.State(); st.Processed != 0 || st.Duplicates != 0 || st.Quarantined != 0 || st.LastUID != n {
		t.Fatalf("after restart state=%+v, want nothing received", st)
	}
	if got := d.counts(t); got.Messages != n || len(d.tickets(t)) != n {
		t.Fatalf("after restart %d messages, %d tickets; want %d", got.Messages, len(d.tickets(t)), n)
	}
}

func TestDovecot_IDLE(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	opts := d.opts()
	opts.IDLE = true
	opts.PollInterval = time.Hour // only IDLE can bring the mail in time
	p := New(d.svc, d.st, opts)
	runPoller(t, p)

	for i := 1; i <= 3; i++ {
		eventually(t, p, "IDLE", func() bool { return p.State().State == StateIdle })
		d.srv.Append(t, dovecotUser, "INBOX", customerMail("idle", i))
		eventually(t, p, fmt.Sprintf("ticket %d", i), func() bool { return len(d.tickets(t)) == i })
		eventually(t, p, "the cursor", func() bool { return p.State().LastUID == uint32(i) })
	}
	if got, want := d.tickets(t), subjects("idle", 1, 3); !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	eventually(t, p, "\\Seen", func() bool { all, n := d.allSeen(t, "INBOX"); return all && n == 3 })
	if st := p.State(); st.LastError != "" {
		t.Fatalf("state=%+v, want no error", st)
	}
}

func TestDovecot_ProcessedMailbox(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	d.srv.CreateMailbox(t, dovecotUser, "Processed")
	for i := 1; i <= 3; i++ {
		d.srv.Append(t, dovecotUser, "INBOX", customerMail("moved", i))
	}
	px := startProxy(t, d.srv.Addr)
	opts := d.opts()
	opts.Address, opts.ProcessedMailbox = px.addr, "Processed"
	p := New(d.svc, d.st, opts)
	runPoller(t, p)
	eventually(t, p, "three mails", func() bool { return p.State().Processed == 3 && p.State().LastUID == 3 })
	eventually(t, p, "the moves", func() bool { return d.srv.Count(t, dovecotUser, "INBOX") == 0 })

	if n := d.srv.Count(t, dovecotUser, "Processed"); n != 3 {
		t.Fatalf("Processed has %d messages, want 3", n)
	}
	if got, want := d.tickets(t), subjects("moved", 1, 3); !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	// Dovecot has MOVE: no COPY, \Deleted and EXPUNGE.
	if px.sent("UID MOVE") == 0 || px.sent("COPY") != 0 || px.sent("EXPUNGE") != 0 {
		t.Fatalf("sent %d UID MOVE, %d COPY, %d EXPUNGE; want MOVE only", px.sent("UID MOVE"), px.sent("COPY"), px.sent("EXPUNGE"))
	}
	if st := p.State(); st.LastError != "" {
		t.Fatalf("state=%+v", st)
	}
}

func TestDovecot_UIDValidityChange(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	d.srv.CreateMailbox(t, dovecotUser, "Support")
	raws := [][]byte{customerMail("uv", 1), customerMail("uv", 2), customerMail("uv", 3)}
	d.srv.AppendMany(t, dovecotUser, "Support", raws)
	opts := d.opts()
	opts.Mailbox = "Support"
	p := New(d.svc, d.st, opts)
	runPoller(t, p)
	eventually(t, p, "three mails", func() bool { return p.State().Processed == 3 && p.State().LastUID == 3 })
	oldUV := p.State().UIDValidity

	// The mailbox is recreated under the running poller (a restore, a
	// migration) with the same mail: new UIDVALIDITY, the same UIDs.
	// Dovecot cannot delete INBOX, hence "Support". The poller sees the
	// mailbox gone before it comes back: see
	// TestDovecotBug_MailboxRecreatedWithinSession for the case where it
	// does not.
	d.srv.DeleteMailbox(t, dovecotUser, "Support")
	eventually(t, p, "the missing mailbox", func() bool { return saysMissing(p.State().LastError, "Support") })
	d.srv.CreateMailbox(t, dovecotUser, "Support")
	d.srv.AppendMany(t, dovecotUser, "Support", raws)
	newUV := d.srv.UIDValidity(t, dovecotUser, "Support")
	if newUV == oldUV {
		t.Fatalf("UIDVALIDITY stayed %d", oldUV)
	}

	eventually(t, p, "the rescan", func() bool {
		st := p.State()
		return st.UIDValidity == newUV && st.LastUID == 3 && st.Duplicates == 3
	})
	eventually(t, p, "\\Seen", func() bool { all, n := d.allSeen(t, "Support"); return all && n == 3 })
	if got, want := d.tickets(t), subjects("uv", 1, 3); !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	if c := d.counts(t); c.Messages != 3 {
		t.Fatalf("%d messages stored, want 3", c.Messages)
	}
	if st := p.State(); st.Processed != 3 || st.Quarantined != 0 {
		t.Fatalf("state=%+v, want 3 processed and then 3 duplicates", st)
	}
	eventually(t, p, "the cursor", func() bool { uv, last := d.cursor(t, "support"); return uv == newUV && last == 3 })
	if !strings.Contains(d.log.String(), `level=WARN msg="UIDVALIDITY changed, rescanning`) {
		t.Fatalf("the rescan is not logged at warn:\n%s", d.log)
	}
}

// notMIME is mail that is not MIME at all: text without a header section,
// and binary bytes. Dovecot serves NUL as 0x80 and a bare LF as CRLF.
var notMIME = [][]byte{
	[]byte("just some words, no header at all\r\nsecond line\r\n"),
	[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xfe"),
}

func TestDovecot_Quarantine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		failed string
	}{{"MarkedSeen", ""}, {"MovedToFailed", "Failed"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := startDovecot(t, imaptest.Options{})
			if tc.failed != "" {
				d.srv.CreateMailbox(t, dovecotUser, tc.failed)
			}
			// good, junk, good, junk, good: one batch.
			d.srv.AppendMany(t, dovecotUser, "INBOX", [][]byte{
				customerMail("q", 1), notMIME[0], customerMail("q", 3), notMIME[1], customerMail("q", 5),
			})
			served := peekBodies(t, d.srv, "INBOX")
			uv := d.srv.UIDValidity(t, dovecotUser, "INBOX")

			opts := d.opts()
			opts.FailedMailbox = tc.failed
			p := New(d.svc, d.st, opts)
			runPoller(t, p)
			eventually(t, p, "the batch", func() bool { return p.State().LastUID == 5 })
			if st := p.State(); st.Processed != 3 || st.Quarantined != 2 || st.LastError != "" {
				t.Fatalf("state=%+v, want 3 processed, 2 quarantined", st)
			}
			if got, want := d.tickets(t), []string{"q 1", "q 3", "q 5"}; !slices.Equal(got, want) {
				t.Fatalf("tickets=%q, want %q", got, want)
			}

			q := d.quarantined(t)
			if len(q) != 2 {
				t.Fatalf("quarantined %+v, want 2", q)
			}
			for i, uid := range []imap.UID{2, 4} {
				want := fmt.Sprintf("INBOX UID %d (UIDVALIDITY %d)", uid, uv)
				if q[i].Channel != "imap:support" || q[i].Ref != want || q[i].Reason != "message has no header section" ||
					q[i].Size != len(served[uid]) {
					t.Errorf("quarantined[%d]=%+v, want ref %q, size %d", i, q[i], want, len(served[uid]))
				}
				if raw, ok := d.quarantinedRaw(t, q[i].ID); !ok || !bytes.Equal(raw, served[uid]) {
					t.Errorf("quarantined raw of UID %d = %q, want what Dovecot serves, %q", uid, raw, served[uid])
				}
			}

			if tc.failed == "" {
				eventually(t, p, "\\Seen", func() bool { all, n := d.allSeen(t, "INBOX"); return all && n == 5 })
			} else {
				eventually(t, p, "the move", func() bool { return d.srv.Count(t, dovecotUser, tc.failed) == 2 })
				fl := d.srv.Flags(t, dovecotUser, "INBOX")
				if len(fl) != 3 || fl[2] != nil || fl[4] != nil {
					t.Fatalf("INBOX=%v, want UIDs 2 and 4 moved out", fl)
				}
				for _, uid := range []imap.UID{1, 3, 5} {
					if !slices.Contains(fl[uint32(uid)], `\Seen`) {
						t.Errorf("UID %d not \\Seen: %v", uid, fl)
					}
				}
				moved := peekBodies(t, d.srv, tc.failed)
				if !bytes.Equal(moved[1], served[2]) || !bytes.Equal(moved[2], served[4]) {
					t.Errorf("%s holds %q and %q, want the junk", tc.failed, moved[1], moved[2])
				}
			}
			// Later syncs do not retry it.
			last := p.State().LastSuccess
			eventually(t, p, "more syncs", func() bool { return p.State().LastSuccess.Sub(last) >= 2*opts.PollInterval })
			if st := p.State(); st.Quarantined != 2 || len(d.quarantined(t)) != 2 {
				t.Fatalf("state=%+v, want the junk quarantined once", st)
			}
		})
	}
}

func TestDovecot_TooLarge(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	big := append(customerMail("big", 1), bytes.Repeat([]byte("All work and no play makes a long mail.\r\n"), 100)...)
	d.srv.AppendMany(t, dovecotUser, "INBOX", [][]byte{big, customerMail("small", 2)})
	opts := d.opts()
	opts.MaxMessageBytes = 2000
	p := New(d.svc, d.st, opts)
	runPoller(t, p)
	eventually(t, p, "the batch", func() bool { return p.State().LastUID == 2 })

	q := d.quarantined(t)
	if len(q) != 1 {
		t.Fatalf("quarantined %+v, want 1", q)
	}
	if q[0].MessageID != "big.1@customer1.example" || q[0].Size != len(big) ||
		!strings.Contains(q[0].Reason, fmt.Sprintf("message is %d bytes, more than the limit of 2000 bytes", len(big))) {
		t.Fatalf("quarantined %+v", q[0])
	}
	if raw, ok := d.quarantinedRaw(t, q[0].ID); ok {
		t.Fatalf("raw of the too large mail kept (%d bytes), want NULL", len(raw))
	}
	if r := d.st.list(); len(r) != 1 || r[0].Raw != nil {
		t.Fatalf("quarantined with raw bytes: %+v", r)
	}
	if got, want := d.tickets(t), []string{"small 2"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	eventually(t, p, "\\Seen", func() bool { all, n := d.allSeen(t, "INBOX"); return all && n == 2 })
	if st := p.State(); st.Processed != 1 || st.Quarantined != 1 {
		t.Fatalf("state=%+v", st)
	}
}

func TestDovecot_MailboxDisappears(t *testing.T) {
	t.Parallel()
	for _, idle := range []bool{false, true} {
		t.Run(fmt.Sprintf("IDLE=%v", idle), func(t *testing.T) {
			t.Parallel()
			d := startDovecot(t, imaptest.Options{})
			d.srv.CreateMailbox(t, dovecotUser, "Support")
			d.srv.Append(t, dovecotUser, "Support", customerMail("gone", 1))
			opts := d.opts()
			opts.Mailbox, opts.IDLE = "Support", idle
			opts.BackoffBase, opts.BackoffMax = 50*time.Millisecond, 500*time.Millisecond
			p := New(d.svc, d.st, opts)
			runPoller(t, p)
			eventually(t, p, "the first mail", func() bool { return p.State().Processed == 1 && p.State().LastUID == 1 })

			d.srv.DeleteMailbox(t, dovecotUser, "Support")
			eventually(t, p, "backing off because the mailbox is gone", func() bool {
				st := p.State()
				return st.State == StateBackingOff && saysMissing(st.LastError, "Support")
			})
			if st := p.State(); st.Connected || !st.NextAttempt.After(st.LastErrorAt) {
				t.Fatalf("state=%+v, want disconnected with a next attempt", st)
			}

			d.srv.CreateMailbox(t, dovecotUser, "Support")
			d.srv.Append(t, dovecotUser, "Support", customerMail("gone", 2))
			eventually(t, p, "recovery", func() bool { return p.State().Processed == 2 && p.State().Connected })
			if got, want := d.tickets(t), subjects("gone", 1, 2); !slices.Equal(got, want) {
				t.Fatalf("tickets=%q, want %q", got, want)
			}
			eventually(t, p, "\\Seen", func() bool { all, n := d.allSeen(t, "Support"); return all && n == 1 })
		})
	}
}

func TestDovecot_WrongPassword(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	d.srv.Append(t, dovecotUser, "INBOX", customerMail("pw", 1))
	opts := d.opts()
	opts.Password = "wr0ng-Pa55"
	opts.BackoffBase, opts.BackoffMax = 200*time.Millisecond, 5*time.Second
	p := New(d.svc, d.st, opts)
	start := time.Now()
	stop := runPoller(t, p)
	eventually(t, p, "a refused login", func() bool {
		st := p.State()
		return st.State == StateBackingOff && strings.Contains(st.LastError, "login refused for user support")
	})
	// Over three seconds the back-off (200, 400, 800, 1600 ms ± 20 %)
	// allows five attempts at most; a tight loop would make hundreds.
	time.Sleep(3*time.Second - time.Since(start))
	stop()
	attempts := countLines(d.log.String(), `msg="imap session failed"`)
	failed := countLines(readFile(t, d.srv.LogFile), "auth failed")
	t.Logf("in 3 s: %d failed sessions, %d failed logins in Dovecot's log", attempts, failed)
	if attempts < 2 || attempts > 6 {
		t.Fatalf("%d failed sessions in 3 s, want 2 to 6 with back-off:\n%s", attempts, d.log)
	}
	if failed > attempts {
		t.Fatalf("Dovecot logged %d failed logins, the poller %d sessions", failed, attempts)
	}
	if st := p.State(); st.Processed != 0 || !strings.Contains(st.LastError, "login refused") {
		t.Fatalf("state=%+v", st)
	}
	if strings.Contains(d.log.String(), "wr0ng-Pa55") {
		t.Fatal("the password is in the log")
	}
	if n := len(d.tickets(t)); n != 0 {
		t.Fatalf("%d tickets without a login", n)
	}
}

func TestDovecot_TLS(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{TLS: true})
	for i, tc := range []struct {
		name    string
		modify  func(*Options)
		wantErr string // "" means the mail is received
	}{
		{"StartTLS", func(o *Options) { o.TLS, o.CAFile = TLSStartTLS, d.srv.CAFile }, ""},
		{"Implicit", func(o *Options) { o.Address, o.TLS, o.CAFile = d.srv.TLSAddr, TLSImplicit, d.srv.CAFile }, ""},
		{"ImplicitLocalhost", func(o *Options) {
			o.Address, o.TLS, o.CAFile, o.ServerName = d.srv.TLSAddr, TLSImplicit, d.srv.CAFile, "localhost"
		}, ""},
		{"ImplicitUntrusted", func(o *Options) { o.Address, o.TLS = d.srv.TLSAddr, TLSImplicit }, "certificate signed by unknown authority"},
		{"StartTLSUntrusted", func(o *Options) { o.TLS = TLSStartTLS }, "certificate signed by unknown authority"},
		{"ImplicitWrongName", func(o *Options) {
			o.Address, o.TLS, o.CAFile, o.ServerName = d.srv.TLSAddr, TLSImplicit, d.srv.CAFile, "imap.example.com"
		}, "certificate is valid for localhost, not imap.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One server, one mailbox per case, each polled by its own
			// cursor name.
			mbox := fmt.Sprintf("TLS%d", i)
			d.srv.CreateMailbox(t, dovecotUser, mbox)
			d.srv.Append(t, dovecotUser, mbox, customerMail(strings.ToLower(tc.name), 1))
			opts := d.opts()
			opts.Name, opts.Mailbox = mbox, mbox
			opts.BackoffBase = 100 * time.Millisecond
			tc.modify(&opts)

			rep, verr := Verify(context.Background(), opts)
			p := New(d.svc, d.st, opts)
			stop := runPoller(t, p)
			if tc.wantErr == "" {
				if verr != nil {
					t.Fatalf("Verify: %v", verr)
				}
				if rep.Messages != 1 || rep.Unseen != 1 || !rep.IDLE || !rep.MOVE {
					t.Fatalf("Verify=%+v", rep)
				}
				eventually(t, p, "the mail", func() bool { return p.State().Processed == 1 && p.State().LastUID == 1 })
				stop()
				if st := p.State(); st.LastError != "" {
					t.Fatalf("state=%+v", st)
				}
				return
			}
			if verr == nil || !strings.Contains(verr.Error(), tc.wantErr) || !strings.Contains(verr.Error(), "tls") {
				t.Fatalf("Verify error %v, want a TLS error with %q", verr, tc.wantErr)
			}
			eventually(t, p, "the certificate error", func() bool {
				st := p.State()
				return st.State == StateBackingOff && strings.Contains(st.LastError, tc.wantErr)
			})
			stop()
			t.Logf("LastError: %s", p.State().LastError)
			if st := p.State(); st.Processed != 0 || st.Connected {
				t.Fatalf("state=%+v", st)
			}
		})
	}
}

func TestDovecot_Verify(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	d.srv.CreateMailbox(t, dovecotUser, "Processed")
	d.srv.AppendMany(t, dovecotUser, "INBOX", [][]byte{customerMail("v", 1), customerMail("v", 2), customerMail("v", 3)})
	c := d.srv.Login(t, dovecotUser) // one read mail
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	status := d.srv.Status(t, dovecotUser, "INBOX")

	opts := d.opts()
	opts.ProcessedMailbox = "Processed"
	rep, err := Verify(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Messages != 3 || rep.Unseen != 2 || rep.UIDValidity != status.UIDValidity || rep.UIDNext != 4 || !rep.IDLE || !rep.MOVE {
		t.Fatalf("Verify=%+v, want 3 messages, 2 unseen, UIDNEXT 4, IDLE and MOVE", rep)
	}
	if !slices.Contains(rep.Capabilities, "IMAP4rev1") || !slices.IsSorted(rep.Capabilities) {
		t.Fatalf("capabilities %q", rep.Capabilities)
	}
	// Verify examines: nothing became \Seen.
	if st := d.srv.Status(t, dovecotUser, "INBOX"); st.Unseen != 2 {
		t.Fatalf("after Verify status=%+v", st)
	}

	for _, tc := range []struct {
		name    string
		modify  func(*Options)
		want    string
		missing string // or an error that says this mailbox is missing
	}{
		{"WrongPassword", func(o *Options) { o.Password = "nope" }, "login refused for user support", ""},
		{"NoMailbox", func(o *Options) { o.Mailbox = "Nowhere" }, "mailbox Nowhere does not exist", "Nowhere"},
		{"NoFailedMailbox", func(o *Options) { o.FailedMailbox = "Failed" }, "mailbox Failed does not exist", "Failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := d.opts()
			tc.modify(&o)
			_, err := Verify(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) && !saysMissing(err.Error(), tc.missing) {
				t.Fatalf("Verify error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDovecot_AuthPlain(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	d.srv.Append(t, dovecotUser, "INBOX", customerMail("plain", 1))
	px := startProxy(t, d.srv.Addr)
	opts := d.opts()
	opts.Address, opts.Auth = px.addr, AuthPlain
	p := New(d.svc, d.st, opts)
	runPoller(t, p)
	eventually(t, p, "the mail", func() bool { return p.State().Processed == 1 && p.State().LastUID == 1 })
	if got := d.tickets(t); !slices.Equal(got, []string{"plain 1"}) {
		t.Fatalf("tickets=%q", got)
	}
	if px.sent("AUTHENTICATE PLAIN") == 0 || px.sent(" LOGIN ") != 0 {
		t.Fatalf("the poller sent %d AUTHENTICATE PLAIN and %d LOGIN, want AUTHENTICATE only",
			px.sent("AUTHENTICATE PLAIN"), px.sent(" LOGIN "))
	}

	opts.Password = "wr0ng-Pa55"
	if _, err := Verify(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "login refused for user support") {
		t.Fatalf("Verify with a wrong password: %v", err)
	}
}

// Regression tests of bugs found against Dovecot.

// Dovecot 2.3 answers SELECT and STATUS of a missing mailbox with a
// plain "NO Mailbox doesn't exist: X", without the NONEXISTENT response
// code (RFC 5530). The error must still be the documented "mailbox X
// does not exist", not "select mailbox X: imap: NO Mailbox doesn't
// exist: X (0.001 + 0.000 secs).".
func TestDovecotBug_MissingMailboxWording(t *testing.T) {
	t.Parallel()
	d := startDovecot(t, imaptest.Options{})
	for _, tc := range []struct {
		name   string
		modify func(*Options)
		want   string
	}{
		{"Mailbox", func(o *Options) { o.Mailbox = "Nowhere" }, "mailbox Nowhere does not exist"},
		{"FailedMailbox", func(o *Options) { o.FailedMailbox = "Failed" }, "mailbox Failed does not exist"},
		{"ProcessedMailbox", func(o *Options) { o.ProcessedMailbox = "Processed" }, "mailbox Processed does not exist"},
	} {
		t.Run("Verify"+tc.name, func(t *testing.T) {
			o := d.opts()
			tc.modify(&o)
			if _, err := Verify(context.Background(), o); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Verify error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("Poller", func(t *testing.T) {
		opts := d.opts()
		opts.Mailbox = "Nowhere"
		p := New(d.svc, d.st, opts)
		runPoller(t, p)
		eventually(t, p, "an error", func() bool { return p.State().LastError != "" })
		if st := p.State(); !strings.Contains(st.LastError, "mailbox Nowhere does not exist") {
			t.Fatalf("LastError %q, want %q", st.LastError, "mailbox Nowhere does not exist")
		}
	})
}

// When the watched mailbox is deleted and re-created between two syncs,
// Dovecot keeps serving the selected session a stale view of the old
// mailbox (its log says "duplicate transaction log sequence", NOOP and
// IDLE get an untagged "NO Internal error"), without BYE and without a
// new UIDVALIDITY. A poller that trusted its SELECT went on reporting
// successful syncs and received no mail of the new mailbox until the
// connection happened to break. Each sync now re-selects the mailbox and
// compares UIDVALIDITY, and the untagged NO ends IDLE for such a sync.
func TestDovecotBug_MailboxRecreatedWithinSession(t *testing.T) {
	t.Parallel()
	for _, idle := range []bool{false, true} {
		t.Run(fmt.Sprintf("IDLE=%v", idle), func(t *testing.T) {
			t.Parallel()
			d := startDovecot(t, imaptest.Options{})
			d.srv.CreateMailbox(t, dovecotUser, "Support")
			raws := [][]byte{customerMail("uv", 1), customerMail("uv", 2), customerMail("uv", 3)}
			d.srv.AppendMany(t, dovecotUser, "Support", raws)
			opts := d.opts()
			opts.Mailbox, opts.IDLE = "Support", idle
			opts.PollInterval = time.Second // the re-creation falls between two syncs
			// Dovecot's untagged NO ends IDLE within a second or so; should
			// it not reach the poller in IDLE (Dovecot sends it once), the
			// safety re-sync does, shortened here from 25 minutes.
			opts.resync = 3 * time.Second
			p := New(d.svc, d.st, opts)
			runPoller(t, p)
			eventually(t, p, "three mails", func() bool { return p.State().Processed == 3 && p.State().LastUID == 3 })
			eventually(t, p, "waiting", func() bool { s := p.State().State; return s == StateIdle || s == StatePolling })

			d.srv.DeleteMailbox(t, dovecotUser, "Support")
			d.srv.CreateMailbox(t, dovecotUser, "Support")
			mails := append(raws, customerMail("uv", 4))
			d.srv.AppendMany(t, dovecotUser, "Support", mails)
			newUV, n := d.srv.UIDValidity(t, dovecotUser, "Support"), uint32(len(mails)) // UIDs 1 to n

			// Now and then Dovecot itself loses the new mailbox: the old
			// session's process, finding its index replaced ("Corrupted
			// transaction log file … indexid changed"), resets it, and the
			// mailbox is empty under yet another UIDVALIDITY. The poller can
			// only follow; the mail is then appended again, and what the
			// poller took before the loss comes again as duplicates.
			lastLook, lost := time.Now(), false
			eventually(t, p, "the new mail and the rescan", func() bool {
				st := p.State()
				if st.UIDValidity == newUV && st.LastUID == n && st.Processed == 4 &&
					(st.Duplicates == int64(n-1) || lost && st.Duplicates >= int64(n-1)) {
					return true
				}
				if time.Since(lastLook) < time.Second {
					return false
				}
				lastLook = time.Now()
				if s := d.srv.Status(t, dovecotUser, "Support"); s.UIDValidity != newUV {
					t.Logf("Dovecot replaced the mailbox again (UIDVALIDITY %d, now %d with %d messages); appending again",
						newUV, s.UIDValidity, s.Messages)
					d.srv.AppendMany(t, dovecotUser, "Support", mails)
					s = d.srv.Status(t, dovecotUser, "Support")
					newUV, n, lost = s.UIDValidity, s.UIDNext-1, true
				}
				return false
			})
		})
	}
}
