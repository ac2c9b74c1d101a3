package demo

import (
	"io"
	"net"

	gosmtp "github.com/emersion/go-smtp"
)

// NullSMTP reads and discards every message: the baseline `helpdesk
// bench` measures the gateway's intake against, and a relay that costs
// the gateway nothing.
type NullSMTP struct {
	srv  *gosmtp.Server
	Addr string
}

type nullSession struct{}

func (nullSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (nullSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (nullSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (nullSession) Reset()        {}
func (nullSession) Logout() error { return nil }

// StartNullSMTP listens on loopback.
func StartNullSMTP() (*NullSMTP, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return nullSession{}, nil }))
	srv.Domain = "null.load.example"
	srv.MaxLineLength = 1 << 20
	go srv.Serve(ln)
	return &NullSMTP{srv: srv, Addr: ln.Addr().String()}, nil
}

func (s *NullSMTP) Close() error { return s.srv.Close() }
