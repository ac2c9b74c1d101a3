package mail

// ParseOptions bounds what ParseWith reads of attachments. Attachments
// over a limit are still listed, with their size, and a warning says
// which limit they passed: a customer's mail is never refused for a big
// file. The zero value means the defaults.
type ParseOptions struct {
	// MaxAttachmentBytes is the largest decoded attachment kept within
	// limits; default 25 MiB, the common provider limit for a whole mail.
	MaxAttachmentBytes int
	// MaxTotalBytes is the most decoded attachment data per mail; default
	// 50 MiB.
	MaxTotalBytes int
}

// The default limits of ParseOptions.
const (
	DefaultMaxAttachmentBytes = 25 << 20
	DefaultMaxTotalBytes      = 50 << 20
)

func (o ParseOptions) withDefaults() ParseOptions {
	if o.MaxAttachmentBytes <= 0 {
		o.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	if o.MaxTotalBytes <= 0 {
		o.MaxTotalBytes = DefaultMaxTotalBytes
	}
	return o
}
