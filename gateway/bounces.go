package gateway

import (
	"fmt"

	"helpdesk/core"
)

// The values of [mail] return_path.
const (
	ReturnPathSigned = "signed" // each mail's own bounces+TOKEN@domain (the default)
	ReturnPathFrom   = "from"   // the From address
)

func (c *Config) validateReturnPath() []error {
	switch c.Mail.ReturnPath {
	case "", ReturnPathSigned, ReturnPathFrom:
		return nil
	}
	return []error{fmt.Errorf("mail.return_path %q is not %s or %s", c.Mail.ReturnPath, ReturnPathSigned, ReturnPathFrom)}
}

// returnPathExample is an envelope sender of the form the gateway sends
// with, for `channel verify relay`: a relay that refuses it would refuse
// every mail.
func (c *Config) returnPathExample(from string) string {
	if c.Mail.ReturnPath == ReturnPathFrom {
		return from
	}
	return core.BounceLocal + "+verify@" + c.Domain
}
