package imaptest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Login opens a new plain IMAP connection to the server, logs in as user
// and returns the client; it is logged out and closed in t.Cleanup.
// Use it for checks the helpers below do not cover.
func (s *Server) Login(t testing.TB, user string) *imapclient.Client {
	t.Helper()
	c, err := s.login(user)
	if err != nil {
		t.Fatalf("imaptest: %v", err)
	}
	t.Cleanup(func() { closeClient(c) })
	return c
}

func (s *Server) login(user string) (*imapclient.Client, error) {
	pw, ok := s.users[user]
	if !ok {
		return nil, fmt.Errorf("unknown user %q (configured: %v)", user, s.Users())
	}
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", s.Addr, err)
	}
	if err := c.Login(user, pw).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login as %s: %w", user, err)
	}
	return c, nil
}

func closeClient(c *imapclient.Client) {
	_ = c.Logout().Wait()
	_ = c.Close()
}

// with runs f on a fresh, logged-in connection and fails the test on error.
func (s *Server) with(t testing.TB, user, what string, f func(c *imapclient.Client) error) {
	t.Helper()
	c, err := s.login(user)
	if err != nil {
		t.Fatalf("imaptest: %s: %v", what, err)
	}
	defer closeClient(c)
	if err := f(c); err != nil {
		t.Fatalf("imaptest: %s: %v", what, err)
	}
}

// Append stores one raw RFC 5322 message in mailbox with IMAP APPEND (go-imap
// client), as user, without flags, and returns its UID. The mailbox must
// exist (INBOX always does).
func (s *Server) Append(t testing.TB, user, mailbox string, raw []byte) uint32 {
	t.Helper()
	var uid uint32
	s.with(t, user, "append to "+user+"/"+mailbox, func(c *imapclient.Client) error {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		_, werr := cmd.Write(raw)
		if err := firstErr(werr, cmd.Close()); err != nil {
			return err
		}
		data, err := cmd.Wait()
		if err != nil {
			return err
		}
		uid = uint32(data.UID)
		return nil
	})
	return uid
}

// AppendMany stores the messages, in order, in mailbox over one
// connection, and fails the test on error. UIDs are assigned in slice
// order. It sends MULTIAPPEND commands of up to 1,000 messages each, which
// Dovecot saves in one transaction apiece (all or nothing per command);
// 10,000 small messages take well under a second. Mailbox names outside
// printable ASCII fall back to pipelined single APPENDs, which are several
// times slower.
func (s *Server) AppendMany(t testing.TB, user, mailbox string, raws [][]byte) {
	t.Helper()
	if len(raws) == 0 {
		return
	}
	what := fmt.Sprintf("append %d message(s) to %s/%s", len(raws), user, mailbox)
	if asciiName(mailbox) {
		if err := s.multiAppend(user, mailbox, raws); err != nil {
			t.Fatalf("imaptest: %s: %v", what, err)
		}
		return
	}
	s.with(t, user, what, func(c *imapclient.Client) error {
		// Keep at most appendWindow commands in flight: enough to hide
		// the round trips, small enough that the client's list of
		// pending commands stays short.
		var (
			inflight  []*imapclient.AppendCommand
			firstFail error
			done      int
		)
		wait := func(cmd *imapclient.AppendCommand) {
			if _, err := cmd.Wait(); err != nil && firstFail == nil {
				firstFail = fmt.Errorf("message %d: %w", done, err)
			}
			done++
		}
		for i, raw := range raws {
			if len(inflight) == appendWindow {
				wait(inflight[0])
				inflight = inflight[1:]
			}
			cmd := c.Append(mailbox, int64(len(raw)), nil)
			_, werr := cmd.Write(raw)
			cerr := cmd.Close()
			if werr != nil || cerr != nil {
				return fmt.Errorf("message %d: send: %v", i, firstErr(werr, cerr))
			}
			inflight = append(inflight, cmd)
		}
		for _, cmd := range inflight {
			wait(cmd)
		}
		return firstFail
	})
}

// Flags returns the flags of every message in mailbox by UID, sorted,
// e.g. {1: [], 2: ["\\Answered", "\\Seen"]}. It uses a fresh login and
// EXAMINE (read-only), so it changes nothing. The session flag \Recent is
// left out: whether a message shows it depends on which session looked
// first.
func (s *Server) Flags(t testing.TB, user, mailbox string) map[uint32][]string {
	t.Helper()
	out := map[uint32][]string{}
	s.with(t, user, "flags of "+user+"/"+mailbox, func(c *imapclient.Client) error {
		sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return err
		}
		if sel.NumMessages == 0 {
			return nil
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			return err
		}
		for _, m := range msgs {
			flags := make([]string, 0, len(m.Flags))
			for _, f := range m.Flags {
				if !strings.EqualFold(string(f), `\Recent`) {
					flags = append(flags, string(f))
				}
			}
			sort.Strings(flags)
			out[uint32(m.UID)] = flags
		}
		return nil
	})
	return out
}

// MailboxStatus is what Status reports about a mailbox.
type MailboxStatus struct {
	Messages    uint32
	Unseen      uint32
	UIDNext     uint32
	UIDValidity uint32
}

// Status returns a mailbox's counters with IMAP STATUS (no SELECT, so it
// changes nothing).
func (s *Server) Status(t testing.TB, user, mailbox string) MailboxStatus {
	t.Helper()
	var st MailboxStatus
	s.with(t, user, "status of "+user+"/"+mailbox, func(c *imapclient.Client) error {
		d, err := c.Status(mailbox, &imap.StatusOptions{
			NumMessages: true, NumUnseen: true, UIDNext: true, UIDValidity: true,
		}).Wait()
		if err != nil {
			return err
		}
		if d.NumMessages != nil {
			st.Messages = *d.NumMessages
		}
		if d.NumUnseen != nil {
			st.Unseen = *d.NumUnseen
		}
		st.UIDNext = uint32(d.UIDNext)
		st.UIDValidity = d.UIDValidity
		return nil
	})
	return st
}

// Count returns the number of messages in mailbox.
func (s *Server) Count(t testing.TB, user, mailbox string) int {
	t.Helper()
	return int(s.Status(t, user, mailbox).Messages)
}

// UIDValidity returns the mailbox's UIDVALIDITY.
func (s *Server) UIDValidity(t testing.TB, user, mailbox string) uint32 {
	t.Helper()
	return s.Status(t, user, mailbox).UIDValidity
}

// CreateMailbox creates mailbox (with "/" as the hierarchy separator).
// A re-created mailbox gets a new UIDVALIDITY and starts again at UID 1.
func (s *Server) CreateMailbox(t testing.TB, user, mailbox string) {
	t.Helper()
	s.with(t, user, "create "+user+"/"+mailbox, func(c *imapclient.Client) error {
		return c.Create(mailbox, nil).Wait()
	})
}

// DeleteMailbox deletes mailbox and its messages. INBOX cannot be deleted
// (IMAP forbids it).
func (s *Server) DeleteMailbox(t testing.TB, user, mailbox string) {
	t.Helper()
	s.with(t, user, "delete "+user+"/"+mailbox, func(c *imapclient.Client) error {
		return c.Delete(mailbox).Wait()
	})
}

// appendWindow is how many APPENDs AppendMany keeps in flight.
const appendWindow = 64

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
