package mail

// ParseOptions bound what ParseWith reads of a mail. The MIME limits
// refuse a mail (a *LimitError); the others keep it and say in a
// warning what was cut or is over: attachments over a limit are still
// listed, with their size, and a customer's mail is never refused for a
// big file. The zero value means the defaults.
type ParseOptions struct {
	// MaxAttachmentBytes is the largest decoded attachment kept within
	// limits; default 25 MiB, the common provider limit for a whole mail.
	MaxAttachmentBytes int
	// MaxTotalBytes is the most decoded attachment data per mail; default
	// 50 MiB.
	MaxTotalBytes int
	// MaxMIMEDepth is how deeply multiparts may nest; default 32.
	MaxMIMEDepth int
	// MaxMIMEParts is how many MIME parts a mail may have, counting
	// every part of every multipart; default 1,000.
	MaxMIMEParts int
	// MaxHTMLText is the most text taken from an HTML body, in bytes;
	// default 1 MiB. The rest is cut with a warning (the raw mail keeps
	// it).
	MaxHTMLText int
}

// The default limits of ParseOptions. Honest mail nests a few levels (a
// forwarded mail with its attachments inside a signed mail is five or
// six) and has tens of parts; a mail beyond these is built to hurt.
// A megabyte of text is some 150,000 words, beyond what anyone reads
// in a ticket.
const (
	DefaultMaxAttachmentBytes = 25 << 20
	DefaultMaxTotalBytes      = 50 << 20
	DefaultMaxMIMEDepth       = 32
	DefaultMaxMIMEParts       = 1000
	DefaultMaxHTMLText        = 1 << 20
)

func (o ParseOptions) withDefaults() ParseOptions {
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	if o.MaxMIMEDepth <= 0 {
		o.MaxMIMEDepth = DefaultMaxMIMEDepth
	}
	if o.MaxMIMEParts <= 0 {
		o.MaxMIMEParts = DefaultMaxMIMEParts
	}
	if o.MaxHTMLText <= 0 {
		o.MaxHTMLText = DefaultMaxHTMLText
	}
	return o
}
