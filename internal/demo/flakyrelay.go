package demo

import (
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"sync"
	"sync/atomic"

	gosmtp "github.com/emersion/go-smtp"
)

// FlakyRelay is a relay that refuses a share of attempts with 451 and
// records the Message-ID of every mail it takes: the outage and crash
// tests check that each notification arrives once, in order, however
// often the relay said no.
type FlakyRelay struct {
	srv    *gosmtp.Server
	Addr   string
	refuse float64
	Down   atomic.Bool  // refuse everything: an outage
	Tries  atomic.Int64 // DATA commands, refused or not
	mu     sync.Mutex
	got    map[string]int
	order  []string // Message-IDs in the order taken
}

var msgIDHeader = regexp.MustCompile(`(?im)^Message-Id:\s*<([^>]+)>`)

// StartFlakyRelay listens on loopback and refuses the share refuse of
// attempts (0 to 1).
func StartFlakyRelay(refuse float64) (*FlakyRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &FlakyRelay{Addr: ln.Addr().String(), refuse: refuse, got: map[string]int{}}
	r.srv = gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &flakySession{r}, nil }))
	r.srv.Domain = "relay.test"
	r.srv.MaxLineLength = 1 << 20
	go r.srv.Serve(ln)
	return r, nil
}

func (r *FlakyRelay) Close() error { return r.srv.Close() }

// Taken returns the Message-IDs taken so far in order, and how often
// each was taken.
func (r *FlakyRelay) Taken() (order []string, count map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	count = make(map[string]int, len(r.got))
	for id, n := range r.got {
		count[id] = n
	}
	return append([]string(nil), r.order...), count
}

type flakySession struct{ r *FlakyRelay }

func (s *flakySession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *flakySession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (s *flakySession) Reset()                                 {}
func (s *flakySession) Logout() error                          { return nil }
func (s *flakySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.Tries.Add(1)
	if s.r.Down.Load() || rand.Float64() < s.r.refuse {
		return &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m := msgIDHeader.FindSubmatch(b)
	if m == nil {
		return &gosmtp.SMTPError{Code: 554, Message: "no Message-ID"}
	}
	s.r.mu.Lock()
	s.r.got[string(m[1])]++
	s.r.order = append(s.r.order, string(m[1]))
	s.r.mu.Unlock()
	return nil
}
