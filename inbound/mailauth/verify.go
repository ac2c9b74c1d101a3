package mailauth

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Defaults for the zero Options.
const (
	DefaultTimeout         = 20 * time.Second
	DefaultMaxSignatures   = 5
	DefaultMaxMessageBytes = 32 << 20
	// DefaultMaxHeaderField bounds one header field (all its folded lines)
	// before DKIM reads the header: the DKIM library joins a field's lines
	// by string concatenation, quadratic in the number of lines, so 100,000
	// folded ids in one References field would cost minutes of CPU. An
	// honest field (a References of 100 ids) is a few KiB.
	DefaultMaxHeaderField = 64 << 10
)

// Options tune a Verifier. The zero value of each field is documented.
type Options struct {
	// Timeout bounds one Verify call as a whole, on top of the caller's
	// ctx; zero means DefaultTimeout. A check still waiting for DNS then
	// reports temperror.
	Timeout time.Duration
	// MaxSignatures is how many DKIM-Signature fields are verified, the
	// topmost first; the rest are ignored, so a sender cannot make us hash
	// the message and query DNS without end. Zero means
	// DefaultMaxSignatures.
	MaxSignatures int
	// MaxMessageBytes is the largest message whose DKIM signatures are
	// verified (each signature hashes the whole body); a larger message
	// gets DKIM fail. Zero means DefaultMaxMessageBytes, above the SMTP
	// server's own 25 MiB limit.
	MaxMessageBytes int
	// MaxHeaderField is the longest header field, folded lines included,
	// of a message whose DKIM signatures are verified; a longer one gets
	// DKIM fail. Zero means DefaultMaxHeaderField.
	MaxHeaderField int
	// Logger receives the reasons behind each outcome at debug level. Nil
	// means slog.Default with component=mailauth.
	Logger *slog.Logger
}

// Input is what the receiving side knows about one message.
type Input struct {
	// RemoteIP is the connecting client's address. Without it SPF is none.
	RemoteIP net.IP
	// HELO is the name the client gave in HELO/EHLO.
	HELO string
	// MailFrom is the envelope sender (RFC 5321 MAIL FROM) without angle
	// brackets; empty for the null sender of a bounce, in which case SPF
	// checks postmaster@HELO (RFC 7208 section 2.4).
	MailFrom string
	// Message is the raw message, header and body, as received.
	Message []byte
	// FromDomain is the domain of the RFC 5322 From address, as parsed by
	// inbound/mail. DMARC and alignment are about this domain.
	FromDomain string
}

// Verifier checks SPF, DKIM and DMARC against one Resolver. It is safe for
// concurrent use.
type Verifier struct {
	res  Resolver
	opts Options
	log  *slog.Logger
}

// New returns a Verifier that looks names up with res.
func New(res Resolver, opts Options) *Verifier {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxSignatures <= 0 {
		opts.MaxSignatures = DefaultMaxSignatures
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxHeaderField <= 0 {
		opts.MaxHeaderField = DefaultMaxHeaderField
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default().With("component", "mailauth")
	}
	return &Verifier{res: res, opts: opts, log: log}
}

// Verify runs SPF and DKIM and the From domain's DMARC record lookup side
// by side, then evaluates DMARC. It never fails: DNS trouble, including
// ctx's deadline, shows as temperror in the Result.
func (v *Verifier) Verify(ctx context.Context, in Input) Result {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()

	var (
		wg   sync.WaitGroup
		spfc spfCheck
		dk   dkimCheck
		rec  dmarcLookup
	)
	wg.Go(func() { spfc = v.checkSPF(ctx, in) })
	wg.Go(func() { dk = v.checkDKIM(ctx, in.Message) })
	wg.Go(func() { rec = v.lookupDMARC(ctx, in.FromDomain) })
	wg.Wait()

	res := Result{
		SPF:         spfc.outcome,
		SPFDomain:   spfc.domain,
		DKIM:        dk.outcome,
		DKIMDomains: dk.passed,
		Domain:      normDomain(in.FromDomain),
	}
	res.DMARC, res.Policy = evaluateDMARC(rec, spfc, dk, res.Domain)
	v.log.DebugContext(ctx, "mail authentication",
		"result", res,
		"spf_reason", spfc.reason,
		"dkim_reason", dk.reason,
		"dmarc_reason", rec.reason)
	return res
}
