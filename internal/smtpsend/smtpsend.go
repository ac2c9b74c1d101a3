// Package smtpsend sends one mail on an open SMTP client as an MTA
// does, its size declared: the load bench and the memory tests send mail
// to the gateway this way.
package smtpsend

import (
	"io"

	gosmtp "github.com/emersion/go-smtp"
)

// Mail sends msg from from to one recipient in one transaction, with
// size given as SIZE (RFC 1870) when it is not 0. go-smtp's SendMail
// declares no size.
func Mail(c *gosmtp.Client, from, to string, msg io.Reader, size int64) error {
	if err := c.Mail(from, &gosmtp.MailOptions{Size: size}); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, msg); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
