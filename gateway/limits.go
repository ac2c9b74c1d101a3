package gateway

import (
	"fmt"

	"helpdesk/inbound/mail"
)

// DefaultParseMemory is [limits] parse_memory when it is not set: mail
// read and parsed at once over every channel. A mail costs about its
// size (the raw bytes, which are stored as they are) plus a part of it
// while it is parsed, and the collector lets garbage grow to a multiple
// of what is alive; 64 MiB keeps serve under 400 MB with twenty 20 MiB
// mails arriving at once (TestServe_HostileMail), and still lets a mail
// of the largest size (smtp.max_message_bytes, 25 MiB) through with
// another one.
const DefaultParseMemory = 64 << 20

// Floors of the [limits] of reading mail: below them honest mail would
// be refused or cut.
const (
	minParseMemory   = 1 << 20
	minHTMLTextBytes = 1 << 10
)

// ParseOptions are the [limits] of reading one mail; zero keeps mail's
// default for each.
func (c *Config) ParseOptions() mail.ParseOptions {
	return mail.ParseOptions{
		MaxMIMEDepth: c.Limits.MIMEDepth,
		MaxMIMEParts: c.Limits.MIMEParts,
		MaxHTMLText:  c.Limits.HTMLTextBytes,
	}
}

// ParseMemory is [limits] parse_memory, or its default.
func (c *Config) ParseMemory() int64 {
	if c.Limits.ParseMemory > 0 {
		return c.Limits.ParseMemory
	}
	return DefaultParseMemory
}

// MemoryLimit is the soft memory limit serve gives the Go collector
// unless GOMEMLIMIT is set: room for the mail of ParseMemory and what
// parsing it makes, twice over, above a base for everything else. The
// collector otherwise lets garbage grow to five times what is alive
// (GOGC=400), and twenty large mails took over 600 MB.
func (c *Config) MemoryLimit() int64 {
	return memoryBase + 2*c.ParseMemory()
}

// memoryBase is the part of MemoryLimit that is not mail: the database's
// caches, Slack and HTTP, the outbox.
const memoryBase = 128 << 20

// validateParseLimits checks the [limits] of reading mail.
func (c *Config) validateParseLimits() []error {
	var errs []error
	l := c.Limits
	if l.MIMEDepth < 0 || l.MIMEParts < 0 || l.HTMLTextBytes < 0 || l.ParseMemory < 0 {
		errs = append(errs, fmt.Errorf("limits.mime_depth, mime_parts, html_text_bytes and parse_memory must not be negative"))
	}
	if l.ParseMemory > 0 && l.ParseMemory < minParseMemory {
		errs = append(errs, fmt.Errorf("limits.parse_memory %d is below %d bytes (1 MiB)", l.ParseMemory, minParseMemory))
	}
	if l.HTMLTextBytes > 0 && l.HTMLTextBytes < minHTMLTextBytes {
		errs = append(errs, fmt.Errorf("limits.html_text_bytes %d is below %d bytes", l.HTMLTextBytes, minHTMLTextBytes))
	}
	return errs
}
