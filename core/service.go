package core

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Department is where tickets go, chosen by the address mail was sent to.
type Department struct {
	Name      string
	Addresses []string
	Heads     []string // Slack user ids told about low ratings
	// UnknownSender is the policy for mail from an address that belongs
	// to no profile (docs/rules.md §1): UnknownOpen (also for ""),
	// UnknownQuarantine or UnknownReject.
	UnknownSender string
	// Language is the default language of its customers' notices, LangEN
	// or LangRU; "" means LangEN.
	Language string
	// SubjectWords are extra words that, as a leading [word] of a new
	// mail's subject, send the ticket to this department (docs/rules.md §2).
	SubjectWords []string
	// Authentication is what an unauthenticated sender may do
	// (docs/rules.md §6): AuthenticationOff, AuthenticationCommands or
	// AuthenticationStrict; "" means AuthenticationCommands.
	Authentication string
	// AutoAssign assigns its new tickets to Agents in turn
	// (docs/rules.md §7), passing by those away and those with
	// MaxOpenPerAgent active tickets (0: no cap).
	AutoAssign      bool
	Agents          []string
	MaxOpenPerAgent int
}

// Options configure a Service. Zero values are documented per field.
type Options struct {
	// Domain names the gateway in the Message-IDs it generates. Required.
	Domain string
	// Secret signs reply tokens. Required.
	Secret []byte
	// PublicURL is where the gateway's /files/TOKEN links are served
	// ([http] public_url, e.g. "https://desk.example.com"); "" means an
	// agent's file too large to attach is not sent (docs/rules.md §7).
	PublicURL string
	// Departments with their addresses. The first department named
	// "support" (or else the first one) also takes mail whose
	// department cannot be told. At least one is required.
	Departments []Department
	// Rules are the numbers of docs/rules.md §2–§4; nil means DefaultRules().
	Rules *Rules
	// Calendar counts business time for service levels; nil means
	// every hour counts.
	Calendar Calendar
	// NoGroupCommit gives every received mail a transaction of its own
	// instead of batching concurrent ones with Store.Batch.
	NoGroupCommit bool
	// AutoMailLimit is how many automatic notices one address gets an
	// hour (the mail loop guard); staff answers are not counted. Zero
	// means DefaultAutoMailLimit, a negative number no limit.
	AutoMailLimit int
	// AnswerMailLimit caps the answers to a person's own mail (command
	// results, #tickets) one address gets an hour; they are not counted
	// as automatic notices. Zero means DefaultAnswerMailLimit, a
	// negative number no limit.
	AnswerMailLimit int
	// Limits bound what one mail may make the gateway do and send; the
	// zero value means the defaults.
	Limits MailLimits
	// UnsignedReturnPath sends every mail from the From address instead
	// of its own signed bounce address (bounces+TOKEN@Domain, docs/rules.md
	// §6), for a relay that takes no other envelope sender. Reports then
	// prove themselves only by the Message-ID of the mail they return.
	UnsignedReturnPath bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Service applies the rules. It is safe for concurrent use.
type Service struct {
	store  Store
	secret []byte
	domain string
	now    func() time.Time
	log    *slog.Logger
	dept   deptHolder // the departments, swapped whole by SetDepartments
	rules  Rules
	cal    Calendar
	group  *groupCommit // nil with Options.NoGroupCommit
	// autoLimit is Options.AutoMailLimit with its default applied.
	autoLimit int
	// answerLimit is Options.AnswerMailLimit with its default applied.
	answerLimit int
	// limits is Options.Limits with its defaults applied.
	limits MailLimits
	// unsignedReturnPath is Options.UnsignedReturnPath.
	unsignedReturnPath bool
	// publicURL is Options.PublicURL without a trailing slash.
	publicURL string
	// lastOverdue is when the sweep last redrew the cards of tasks that
	// became overdue (redrawOverdue); mu guards it.
	mu          sync.Mutex
	lastOverdue time.Time
}

// write runs fn in a transaction of its own, or in a savepoint of a
// shared one unless Options.NoGroupCommit is set.
func (s *Service) write(ctx context.Context, fn func(Tx) error) error {
	if s.group != nil {
		return s.group.do(ctx, fn)
	}
	return s.store.Tx(ctx, fn)
}

// alwaysOpen is the calendar of a desk that never closes.
type alwaysOpen struct{}

func (alwaysOpen) Add(t time.Time, d time.Duration) time.Time { return t.Add(d) }

// NewService returns a Service over st.
func NewService(st Store, opts Options) (*Service, error) {
	if opts.Domain == "" {
		return nil, fmt.Errorf("core: domain is required")
	}
	if len(opts.Secret) == 0 {
		return nil, fmt.Errorf("core: secret is required")
	}
	if err := opts.Limits.Validate(); err != nil {
		return nil, fmt.Errorf("core: %w", err)
	}
	table, err := newDeptTable(opts.Departments)
	if err != nil {
		return nil, err
	}
	s := &Service{
		store:     st,
		secret:    opts.Secret,
		publicURL: strings.TrimRight(opts.PublicURL, "/"),
		domain:    opts.Domain,
		now:       opts.Now,
		log:       opts.Logger,
		rules:     DefaultRules(),
		cal:       opts.Calendar,
		limits:    opts.Limits.withDefaults(),
	}
	if opts.Rules != nil {
		s.rules = *opts.Rules
	}
	s.autoLimit = opts.AutoMailLimit
	s.unsignedReturnPath = opts.UnsignedReturnPath
	if s.autoLimit == 0 {
		s.autoLimit = DefaultAutoMailLimit
	}
	if s.answerLimit = opts.AnswerMailLimit; s.answerLimit == 0 {
		s.answerLimit = DefaultAnswerMailLimit
	}
	if s.cal == nil {
		s.cal = alwaysOpen{}
	}
	if !opts.NoGroupCommit {
		s.group = &groupCommit{store: st}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default().With("component", "core")
	}
	s.dept.p.Store(table)
	return s, nil
}

// NormalizeAddress lower-cases and trims an address; profiles are keyed
// by it (docs/rules.md §1).
func NormalizeAddress(a string) string { return strings.ToLower(strings.TrimSpace(a)) }

// AcceptsRecipient reports whether mail to addr is ours to take: a
// department address, or one with a +detail on a department's local part
// (the reply addresses notifications carry), or the signed return path of
// our mail (bounces+TOKEN@domain, docs/rules.md §6; its signature is
// checked here, its record when the report arrives). Everything else is
// refused by the inbound edge, so the gateway is never an open relay.
func (s *Service) AcceptsRecipient(addr string) bool {
	if _, ok := s.departmentOf(addr); ok {
		return true
	}
	_, ok := s.bounceRecord(addr)
	return ok
}

// departmentOf returns the department of a recipient address, looking
// through a +detail.
func (s *Service) departmentOf(addr string) (string, bool) {
	addr = NormalizeAddress(addr)
	deptOf := s.table().deptOf
	if d, ok := deptOf[addr]; ok {
		return d, true
	}
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return "", false
	}
	base, _, plus := strings.Cut(local, "+")
	if !plus {
		return "", false
	}
	d, ok := deptOf[base+"@"+domain]
	return d, ok
}

// typeOf dispatches a department's mail to a ticket type (docs/rules.md §2).
func typeOf(department string) string {
	switch department {
	case "support":
		return TypeSupport
	case "sales":
		return TypeSales
	case "projects":
		return TypeProject
	}
	return TypeGeneric
}
