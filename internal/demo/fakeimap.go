package demo

import (
	"bytes"
	"fmt"
	"net"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// MemIMAP is go-imap's in-memory IMAP server, standing in for a
// customer-facing mailbox in the demo.
type MemIMAP struct {
	srv  *imapserver.Server
	user *imapmemserver.User
	Addr string
}

func StartMemIMAP(username, password string) (*MemIMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, err
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		// Plain LOGIN without TLS: acceptable on loopback only.
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	return &MemIMAP{srv: srv, user: user, Addr: ln.Addr().String()}, nil
}

// Deliver appends a mail to INBOX, as the customer's mail provider would.
func (m *MemIMAP) Deliver(raw string) error {
	// AppendOptions must not be nil: imapmemserver dereferences it.
	_, err := m.user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{})
	if err != nil {
		return fmt.Errorf("append to INBOX: %w", err)
	}
	return nil
}

func (m *MemIMAP) Close() error { return m.srv.Close() }
