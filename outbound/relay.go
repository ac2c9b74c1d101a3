package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// DefaultRelayTimeout bounds a whole SMTP transaction when
// Relay.Timeout is zero.
const DefaultRelayTimeout = 2 * time.Minute

// Relay is a Mailer that hands each message to an SMTP relay over plain
// SMTP (a smart host on the local network or loopback), one connection per
// message.
type Relay struct {
	// Addr is the relay's host:port.
	Addr string
	// LocalName is sent in EHLO; "localhost" when empty.
	LocalName string
	// Timeout bounds the dial and the whole transaction;
	// DefaultRelayTimeout when zero.
	Timeout time.Duration
}

var _ Mailer = (*Relay)(nil)

// Send delivers msg to the relay. An SMTP 5xx reply is a *PermanentError;
// a 4xx reply, a network failure or a timeout is temporary. Cancelling ctx
// aborts the transaction.
func (r *Relay) Send(ctx context.Context, from string, to []string, msg []byte, messageID string) error {
	if err := r.send(ctx, from, to, msg); err != nil {
		err = fmt.Errorf("relay %s: send %s: %w", r.Addr, messageID, err)
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code/100 == 5 {
			return permanent(err)
		}
		return err
	}
	return nil
}

func (r *Relay) send(ctx context.Context, from string, to []string, msg []byte) error {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRelayTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	// The client sets its own per-command deadlines, and none while the
	// body is written, so closing the connection is what reliably cuts a
	// transaction short when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c := smtp.NewClient(conn)
	defer c.Close()
	c.CommandTimeout = timeout
	c.SubmissionTimeout = timeout

	name := r.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		return ctxErr(ctx, fmt.Errorf("hello: %w", err))
	}
	if err := c.SendMail(from, to, bytes.NewReader(msg)); err != nil {
		return ctxErr(ctx, err)
	}
	// The relay took responsibility for the message at the final dot.
	// QUIT goes out without waiting for its answer: the worker should
	// record the row at once, since a crash before that sends it again.
	_, _ = conn.Write([]byte("QUIT\r\n"))
	return nil
}

// ctxErr explains an I/O error caused by closing the connection on
// cancellation with the context's error, keeping both in the chain.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}
