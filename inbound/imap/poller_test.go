package imap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"helpdesk/core"
)

func TestPoller_NewMail(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1))
	f.srv.append(t, "INBOX", mailN(2))

	p := New(f.svc, f.st, f.opts())
	stop := f.run(t, p)
	waitFor(t, "two mails processed", func() bool { return p.State().Processed == 2 && p.State().LastUID == 2 })
	stop()

	if got, want := f.subjects(t), []string{"printer 1", "printer 2"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	for uid := imap.UID(1); uid <= 2; uid++ {
		if !f.srv.seen(t, "INBOX", uid) {
			t.Errorf("UID %d not \\Seen after commit", uid)
		}
	}
	uv, last := f.cursor(t)
	if want := f.srv.uidValidity(t, "INBOX"); uv != want || last != 2 {
		t.Fatalf("cursor=(%d, %d), want (%d, 2)", uv, last, want)
	}
	st := p.State()
	if st.Name != "support" || st.UIDValidity != uv || st.Duplicates != 0 || st.Quarantined != 0 || st.LastError != "" {
		t.Fatalf("state=%+v", st)
	}
	if strings.Contains(f.log.String(), testPass) {
		t.Fatal("the password is in the log")
	}

	// A second Run fetches nothing: the cursor says it is all done.
	p2 := New(f.svc, f.st, f.opts())
	f.run(t, p2)
	st = synced(t, p2)
	if st.Processed != 0 || st.Duplicates != 0 {
		t.Fatalf("second run state=%+v, want nothing processed", st)
	}
	if got := len(f.srv.sent("BODY.PEEK[]")); got != 1 {
		t.Fatalf("%d body fetches, want the one of the first run", got)
	}
}

func TestPoller_FirstRunSkipsReadHistory(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1), imap.FlagSeen) // old, read
	f.srv.append(t, "INBOX", mailN(2))                // unseen

	p := New(f.svc, f.st, f.opts())
	f.run(t, p)
	waitFor(t, "the unseen mail", func() bool { return p.State().Processed == 1 && p.State().LastUID == 2 })

	// New mail above the cursor that a human already read is still taken.
	uid := f.srv.append(t, "INBOX", mailN(3), imap.FlagSeen)
	waitFor(t, "the read new mail", func() bool { return p.State().Processed == 2 && p.State().LastUID == uint32(uid) })
	// Later syncs in the same session leave the read history alone too.
	searches := len(f.srv.sent("UID SEARCH"))
	waitFor(t, "more syncs", func() bool { return len(f.srv.sent("UID SEARCH")) >= searches+3 })

	if got, want := f.subjects(t), []string{"printer 2", "printer 3"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
}

func TestPoller_CrashBetweenCommitAndAck(t *testing.T) {
	t.Run("ReceiveLost", func(t *testing.T) {
		f := mustFixture(t, serverConfig{})
		mustCursor(t, f, 0)
		f.srv.append(t, "INBOX", mailN(1))
		// The first Receive commits and then the poller "crashes": it
		// never learns of the commit and acknowledges nothing.
		r := &recv{svc: f.svc, hook: func(_ *core.Email, n int64) (error, error) {
			if n == 1 {
				return nil, core.Errorf(core.ETEMPORARY, "connection to the database lost")
			}
			return nil, nil
		}}
		p := New(r, f.st, f.opts())
		f.run(t, p)
		waitFor(t, "the retry", func() bool { return p.State().Duplicates == 1 && p.State().LastUID == 1 })
		if st := p.State(); st.Processed != 0 || !strings.Contains(st.LastError, "connection to the database lost") {
			t.Fatalf("state=%+v", st)
		}
		if got := f.subjects(t); len(got) != 1 {
			t.Fatalf("tickets=%q, want one", got)
		}
		if !f.srv.seen(t, "INBOX", 1) {
			t.Fatal("message not \\Seen after the duplicate")
		}
	})
	t.Run("CursorLost", func(t *testing.T) {
		f := mustFixture(t, serverConfig{})
		mustCursor(t, f, 0)
		f.srv.append(t, "INBOX", mailN(1))
		f.st.failCursor.Store(1) // committed and \Seen, but the cursor stays
		p := New(f.svc, f.st, f.opts())
		f.run(t, p)
		waitFor(t, "the retry", func() bool { return p.State().Duplicates == 1 && p.State().LastUID == 1 })
		if st := p.State(); st.Processed != 1 || !strings.Contains(st.LastError, "write cursor") {
			t.Fatalf("state=%+v", st)
		}
		if got := f.subjects(t); len(got) != 1 {
			t.Fatalf("tickets=%q, want one", got)
		}
	})
}

// mustCursor stores a cursor for INBOX, as a previous run would have.
func mustCursor(t *testing.T, f *fixture, last uint32) {
	t.Helper()
	if err := f.db.SetIMAPCursor(context.Background(), "support", f.srv.uidValidity(t, "INBOX"), last); err != nil {
		t.Fatal(err)
	}
}

func TestPoller_UIDValidityChange(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1))
	f.srv.append(t, "INBOX", mailN(2))
	p := New(f.svc, f.st, f.opts())
	stop := f.run(t, p)
	waitFor(t, "the first two", func() bool { return p.State().LastUID == 2 })
	stop()
	oldUV := p.State().UIDValidity

	// The mailbox is recreated (a restore, a migration): same mail, new
	// UIDs, one of them read, and one new mail.
	if err := f.srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := f.srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	f.srv.append(t, "INBOX", mailN(2), imap.FlagSeen)
	f.srv.append(t, "INBOX", mailN(1))
	f.srv.append(t, "INBOX", mailN(3))
	newUV := f.srv.uidValidity(t, "INBOX")
	if newUV == oldUV {
		t.Fatal("UIDVALIDITY did not change")
	}

	p2 := New(f.svc, f.st, f.opts())
	f.run(t, p2)
	waitFor(t, "the rescan", func() bool { return p2.State().LastUID == 3 })
	if st := p2.State(); st.Duplicates != 2 || st.Processed != 1 || st.UIDValidity != newUV || st.LastUID != 3 {
		t.Fatalf("state=%+v, want 2 duplicates, 1 new, cursor (%d, 3)\n%s", st, newUV, f.log)
	}
	if got, want := f.subjects(t), []string{"printer 1", "printer 2", "printer 3"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	if !strings.Contains(f.log.String(), "level=WARN msg=\"UIDVALIDITY changed") {
		t.Fatal("the UIDVALIDITY change is not logged at warn")
	}
}

// garbage has a header imapmemserver can parse (it serves an empty BODY[]
// for one it cannot) but no sender: Parse refuses it for good.
const garbage = "Subject: garbage\n\nno sender, no way to answer\n"

func TestPoller_Quarantine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failed string
	}{{"MarkedSeen", ""}, {"MovedToFailed", "Failed"}} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustFixture(t, serverConfig{})
			if tc.failed != "" {
				if err := f.srv.user.Create(tc.failed, nil); err != nil {
					t.Fatal(err)
				}
			}
			f.srv.append(t, "INBOX", mailN(1))
			f.srv.append(t, "INBOX", garbage)
			f.srv.append(t, "INBOX", mailN(3))
			opts := f.opts()
			opts.FailedMailbox = tc.failed
			p := New(f.svc, f.st, opts)
			f.run(t, p)
			waitFor(t, "the batch", func() bool { return p.State().LastUID == 3 })
			// Later syncs do not retry it.
			waitFor(t, "more syncs", func() bool { return len(f.srv.sent("UID SEARCH")) >= 4 })

			if st := p.State(); st.Processed != 2 || st.Quarantined != 1 {
				t.Fatalf("state=%+v, want 2 processed, 1 quarantined", st)
			}
			q := f.st.list()
			if len(q) != 1 {
				t.Fatalf("quarantined %d, want 1", len(q))
			}
			uv := p.State().UIDValidity
			wantRef := fmt.Sprintf("INBOX UID 2 (UIDVALIDITY %d)", uv)
			if q[0].Channel != "imap:support" || q[0].Ref != wantRef || q[0].Reason != "message has no valid From address" ||
				string(q[0].Raw) != strings.ReplaceAll(garbage, "\n", "\r\n") || q[0].Size != len(q[0].Raw) {
				t.Fatalf("quarantined %+v, want ref %q", q[0], wantRef)
			}
			if got, want := f.subjects(t), []string{"printer 1", "printer 3"}; !slices.Equal(got, want) {
				t.Fatalf("tickets=%q, want %q", got, want)
			}
			inbox := f.srv.flags(t, "INBOX")
			if tc.failed == "" {
				if !slices.Contains(inbox[2], imap.FlagSeen) {
					t.Fatal("quarantined mail not \\Seen")
				}
				return
			}
			if _, ok := inbox[2]; ok || len(inbox) != 2 {
				t.Fatalf("INBOX=%v, want UID 2 moved out", inbox)
			}
			if n := len(f.srv.flags(t, tc.failed)); n != 1 {
				t.Fatalf("%s has %d messages, want 1", tc.failed, n)
			}
		})
	}
}

func TestPoller_TooLarge(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	big := mailN(1) + strings.Repeat("All work and no play makes a long mail.\n", 100)
	f.srv.append(t, "INBOX", big)
	f.srv.append(t, "INBOX", mailN(2))
	opts := f.opts()
	opts.MaxMessageBytes = 1000
	p := New(f.svc, f.st, opts)
	f.run(t, p)
	waitFor(t, "the batch", func() bool { return p.State().LastUID == 2 })

	q := f.st.list()
	if len(q) != 1 {
		t.Fatalf("quarantined %d, want 1", len(q))
	}
	if q[0].Raw != nil || q[0].MessageID != "m1@customer.example" || q[0].Size <= 1000 ||
		!strings.Contains(q[0].Reason, "more than the limit of 1000 bytes") {
		t.Fatalf("quarantined %+v", q[0])
	}
	for _, l := range f.srv.sent("BODY.PEEK[]") {
		if fields := strings.Fields(l); len(fields) < 4 || fields[3] != "2" {
			t.Fatalf("body fetch %q, want only UID 2", l)
		}
	}
	if !f.srv.seen(t, "INBOX", 1) || p.State().Processed != 1 {
		t.Fatalf("state=%+v; too large mail must be \\Seen, the other processed", p.State())
	}
}

func TestPoller_TemporaryFailure(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	mustCursor(t, f, 0)
	f.srv.append(t, "INBOX", mailN(1))
	f.srv.append(t, "INBOX", mailN(2))
	f.srv.append(t, "INBOX", mailN(3))
	var down atomic.Bool
	down.Store(true)
	var failures atomic.Int64
	r := &recv{svc: f.svc, hook: func(e *core.Email, _ int64) (error, error) {
		if down.Load() && e.MessageID == "m2@customer.example" {
			failures.Add(1)
			return core.Errorf(core.ETEMPORARY, "storage is down"), nil
		}
		return nil, nil
	}}
	p := New(r, f.st, f.opts())
	f.run(t, p)
	waitFor(t, "three failed attempts", func() bool { return failures.Load() >= 3 })

	if _, last := f.cursor(t); last != 1 {
		t.Fatalf("cursor at %d while UID 2 fails, want 1", last)
	}
	fl := f.srv.flags(t, "INBOX")
	if !slices.Contains(fl[1], imap.FlagSeen) || slices.Contains(fl[2], imap.FlagSeen) || slices.Contains(fl[3], imap.FlagSeen) {
		t.Fatalf("flags=%v, want only UID 1 \\Seen", fl)
	}
	if got := f.subjects(t); !slices.Equal(got, []string{"printer 1"}) {
		t.Fatalf("tickets=%q while storage is down", got)
	}
	if st := p.State(); !strings.Contains(st.LastError, "storage is down") || st.LastErrorAt.IsZero() || st.Lag != 2 {
		t.Fatalf("state=%+v, want the error and a lag of 2", st)
	}

	down.Store(false)
	waitFor(t, "recovery", func() bool { st := p.State(); return st.LastUID == 3 && st.Lag == 0 })
	if got, want := f.subjects(t), []string{"printer 1", "printer 2", "printer 3"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
	if st := p.State(); st.Processed != 3 || st.Duplicates != 0 || st.Lag != 0 {
		t.Fatalf("state=%+v", st)
	}
}

func TestPoller_PanicRecovered(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", mailN(1))
	r := &recv{svc: f.svc, hook: func(_ *core.Email, n int64) (error, error) {
		if n == 1 {
			panic("bug in the rules")
		}
		return nil, nil
	}}
	p := New(r, f.st, f.opts())
	f.run(t, p)
	waitFor(t, "the retry", func() bool { return p.State().Processed == 1 })
	if st := p.State(); !strings.Contains(st.LastError, "panic: bug in the rules") {
		t.Fatalf("state=%+v", st)
	}
	if !strings.Contains(f.log.String(), "goroutine") {
		t.Fatal("the panic's stack is not logged")
	}
}

func TestPoller_ProcessedMailbox(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps imap.CapSet
		want string // the command that removes the mail from INBOX
	}{
		{"MOVE", nil, "UID MOVE"},
		{"UIDPLUS", imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}, "UID EXPUNGE"},
		{"PlainExpunge", imap.CapSet{imap.CapIMAP4rev1: {}}, "EXPUNGE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustFixture(t, serverConfig{caps: tc.caps})
			if err := f.srv.user.Create("Processed", nil); err != nil {
				t.Fatal(err)
			}
			f.srv.append(t, "INBOX", mailN(1))
			f.srv.append(t, "INBOX", mailN(2))
			opts := f.opts()
			opts.ProcessedMailbox = "Processed"
			p := New(f.svc, f.st, opts)
			f.run(t, p)
			waitFor(t, "two mails", func() bool { return p.State().Processed == 2 && p.State().LastUID == 2 })

			if n := len(f.srv.flags(t, "INBOX")); n != 0 {
				t.Fatalf("INBOX has %d messages, want 0", n)
			}
			if n := len(f.srv.flags(t, "Processed")); n != 2 {
				t.Fatalf("Processed has %d messages, want 2", n)
			}
			if len(f.srv.sent(tc.want)) == 0 {
				t.Fatalf("no %s sent", tc.want)
			}
		})
	}
}

func TestPoller_IDLE(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	opts := f.opts()
	opts.IDLE = true
	opts.PollInterval = time.Hour // only IDLE can bring the mail in time
	p := New(f.svc, f.st, opts)
	f.run(t, p)

	n := 0 // mails appended
	for round := 1; round <= 2; round++ {
		waitFor(t, "IDLE", func() bool { return p.State().State == StateIdle })
		before := len(f.subjects(t))
		// imapmemserver only signals changes made after it registered
		// the IDLE, a moment after the client sent it; a change made in
		// between waits for the next one. So mail keeps arriving until a
		// ticket shows up, each of it delivered while the poller idles.
		end := time.Now().Add(deadline)
		for len(f.subjects(t)) == before {
			if time.Now().After(end) {
				t.Fatalf("round %d: no ticket after mail arrived during IDLE", round)
			}
			n++
			f.srv.append(t, "INBOX", mailN(n))
			for i := 0; i < 100 && len(f.subjects(t)) == before; i++ {
				time.Sleep(10 * time.Millisecond)
			}
		}
		waitFor(t, "the cursor", func() bool { return p.State().LastUID == uint32(n) })
	}
	if len(f.srv.sent("DONE")) == 0 {
		t.Fatal("IDLE was never stopped with DONE")
	}
}

func TestPoller_ConnectErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*Options)
		want   string
	}{
		{"WrongPassword", func(o *Options) { o.Password = "wr0ng-Pa55" }, "login refused for user agent"},
		{"WrongPasswordPlain", func(o *Options) { o.Password, o.Auth = "wr0ng-Pa55", AuthPlain }, "login refused for user agent"},
		{"MailboxMissing", func(o *Options) { o.Mailbox = "Support" }, "mailbox Support does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustFixture(t, serverConfig{})
			opts := f.opts()
			opts.BackoffBase, opts.BackoffMax = 20*time.Millisecond, time.Second
			tc.modify(&opts)
			p := New(f.svc, f.st, opts)
			start := time.Now()
			f.run(t, p)
			waitFor(t, "three attempts", func() bool { return f.srv.accepts.Load() >= 3 })
			st := p.State()
			if !strings.Contains(st.LastError, tc.want) || st.State != StateBackingOff && st.State != StateConnecting {
				t.Fatalf("state=%+v, want backing off with %q", st, tc.want)
			}
			if st.State == StateBackingOff && !st.NextAttempt.After(st.LastErrorAt) {
				t.Fatalf("state=%+v, want NextAttempt after LastErrorAt", st)
			}
			// Five connections take at least 0.8 × (20+40+80+160) ms of
			// back-off; a tight loop would make them in a few ms.
			waitFor(t, "five attempts", func() bool { return f.srv.accepts.Load() >= 5 })
			if d := time.Since(start); d < 240*time.Millisecond {
				t.Fatalf("5 connections in %v, want back-off between them", d)
			}
			if l := f.log.String(); strings.Contains(l, "wr0ng-Pa55") || strings.Contains(l, testPass) {
				t.Fatal("the password is in the log")
			}
		})
	}
}

func TestPoller_UIDNextBelowCursor(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	mustCursor(t, f, 100) // the server handed out low UIDs again
	f.srv.append(t, "INBOX", mailN(1))
	p := New(f.svc, f.st, f.opts())
	f.run(t, p)
	waitFor(t, "the rescan", func() bool { return p.State().Processed == 1 && p.State().LastUID == 1 })
	if !strings.Contains(f.log.String(), "UIDNEXT is not above the cursor") {
		t.Fatal("the rescan is not logged")
	}
}

func TestPoller_Batches(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	for n := 1; n <= 5; n++ {
		f.srv.append(t, "INBOX", mailN(n))
	}
	opts := f.opts()
	opts.BatchSize = 2
	p := New(f.svc, f.st, opts)
	stop := f.run(t, p)
	waitFor(t, "five mails", func() bool { return p.State().LastUID == 5 })
	stop()

	if got := len(f.subjects(t)); got != 5 {
		t.Fatalf("%d tickets, want 5", got)
	}
	// One STORE per batch, for the committed UIDs of that batch only.
	stores := f.srv.sent(`+FLAGS.SILENT (\Seen)`)
	var sets []string
	for _, l := range stores {
		sets = append(sets, strings.Fields(l)[3])
	}
	if want := []string{"1:2", "3:4", "5"}; !slices.Equal(sets, want) {
		t.Fatalf("STOREs %q, want sets %q", stores, want)
	}
	if len(f.srv.sent("LOGOUT")) == 0 {
		t.Fatal("no LOGOUT at shutdown")
	}
}

func TestPoller_ConnectionLost(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	opts := f.opts()
	opts.IDLE = true
	p := New(f.svc, f.st, opts)
	f.run(t, p)
	waitFor(t, "IDLE", func() bool { return p.State().State == StateIdle })

	f.srv.dropAll()
	waitFor(t, "the error", func() bool { return p.State().LastError != "" })
	if st := p.State(); !strings.Contains(st.LastError, "idle") {
		t.Fatalf("state=%+v, want the lost IDLE as error", st)
	}
	f.srv.append(t, "INBOX", mailN(1))
	waitFor(t, "the mail after reconnecting", func() bool { return p.State().Processed == 1 })
	if n := f.srv.accepts.Load(); n < 2 {
		t.Fatalf("%d connections, want a reconnect", n)
	}
}

func TestPoller_IDLEResync(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	opts := f.opts()
	opts.IDLE = true
	opts.resync = 20 * time.Millisecond // the safety net, without any news
	p := New(f.svc, f.st, opts)
	f.run(t, p)
	waitFor(t, "three syncs", func() bool { return len(f.srv.sent("UID SEARCH")) >= 3 })
	if n := len(f.srv.sent("IDLE")); n < 2 {
		t.Fatalf("%d IDLE commands, want one per resync", n)
	}
}

// A mail whose From names several authors and no Sender is quarantined
// with the reason (docs/rules.md §6), never taken as from the first.
func TestPoller_SeveralFromQuarantined(t *testing.T) {
	f := mustFixture(t, serverConfig{})
	f.srv.append(t, "INBOX", "From: eve@evil.example, ann@customer.example\nTo: support@support.example.com\n"+
		"Subject: close it\nMessage-ID: <two@evil.example>\n\n#close\n")
	f.srv.append(t, "INBOX", mailN(2))
	p := New(f.svc, f.st, f.opts())
	f.run(t, p)
	waitFor(t, "the batch", func() bool { return p.State().LastUID == 2 })
	q := f.st.list()
	if len(q) != 1 || !strings.Contains(q[0].Reason, "several From addresses and no Sender") {
		t.Fatalf("quarantined %+v, want the mail from several authors", q)
	}
	if got, want := f.subjects(t), []string{"printer 2"}; !slices.Equal(got, want) {
		t.Fatalf("tickets=%q, want %q", got, want)
	}
}
