package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helpdesk/core/token"
)

// Outcomes of one sender check (SPF, DKIM, DMARC), as stored and shown.
const (
	AuthPass      = "pass"
	AuthFail      = "fail"
	AuthNone      = "none"
	AuthTempError = "temperror"
)

// Auth is what the inbound edge learned about who sent a mail: the
// outcomes of DMARC, SPF and DKIM for the domain of its From address
// (docs/rules.md §6). The inbound edge computes it (inbound/mailauth);
// core only reads it. It is stored with the message as JSON; the keys
// dmarc, spf and dkim with the values pass, fail, none and temperror are
// an outside contract.
type Auth struct {
	DMARC string `json:"dmarc"`
	SPF   string `json:"spf"`
	DKIM  string `json:"dkim"`
	// Domain is the From address's domain, lower case.
	Domain string `json:"domain,omitempty"`
	// Policy is the domain's DMARC policy (none, quarantine, reject);
	// empty when it publishes none or the lookup failed.
	Policy string `json:"policy,omitempty"`
	// Aligned is set when SPF or DKIM passed for a domain aligned with
	// Domain (same organizational domain), as the verifier found; it
	// decides when DMARC gave no verdict.
	Aligned bool `json:"aligned,omitempty"`
}

// Authenticated reports whether the From domain is proven: DMARC passed,
// or, where DMARC gave no verdict (no record, or its lookup failed), SPF
// or DKIM passed aligned with it. A DMARC fail is final. A nil Auth (the
// sender was not checked) is not authenticated.
func (a *Auth) Authenticated() bool {
	if a == nil {
		return false
	}
	switch a.DMARC {
	case AuthPass:
		return true
	case AuthFail:
		return false
	}
	return a.Aligned
}

// Rejected reports whether the From domain asks for the mail to be
// rejected: it publishes DMARC p=reject and the mail failed DMARC. A
// temperror is not a fail: such mail is accepted (and is not
// authenticated).
func (a *Auth) Rejected() bool {
	return a != nil && a.DMARC == AuthFail && a.Policy == "reject"
}

// String says the verdict in a few words, for refusals, the ticket view
// and the Slack card: "authenticated (DMARC pass)", "not authenticated
// (DMARC fail)", "not checked".
func (a *Auth) String() string {
	if a == nil {
		return "not checked"
	}
	dmarc := orNone(a.DMARC)
	if a.Authenticated() {
		return "authenticated (DMARC " + dmarc + ")"
	}
	return "not authenticated (DMARC " + dmarc + ")"
}

// Authentication settings of a department ([departments.X]
// authentication, docs/rules.md §6).
const (
	// AuthenticationOff: no checks; every match and command is obeyed.
	AuthenticationOff = "off"
	// AuthenticationCommands, the default: unauthenticated mail may post
	// text, but its #commands run only when it came by the reply token.
	AuthenticationCommands = "commands"
	// AuthenticationStrict: as commands, and unauthenticated mail joins an
	// existing ticket only by the reply token; otherwise it opens a new
	// one.
	AuthenticationStrict = "strict"
)

// ValidAuthentication reports whether s is an authentication setting;
// "" is the default, commands.
func ValidAuthentication(s string) bool {
	switch s {
	case "", AuthenticationOff, AuthenticationCommands, AuthenticationStrict:
		return true
	}
	return false
}

// Route is how a mail found its ticket (docs/rules.md §6).
type Route string

// The routes, strongest first.
const (
	// RouteToken: the signed reply token in a recipient address. Only
	// someone who received the gateway's mail for the ticket knows it.
	RouteToken Route = "token"
	// RouteThread: In-Reply-To or References.
	RouteThread Route = "thread"
	// RouteReference: the signed footer reference in the quoted text.
	RouteReference Route = "reference"
	// RouteSubject: a [#N] tag in the subject.
	RouteSubject Route = "subject"
	// RouteNew: nothing matched; the mail opens a ticket.
	RouteNew Route = "new"
)

// Trust is what a mail may do, decided by Decide.
type Trust struct {
	// Quarantine: keep the mail out of every ticket (DMARC p=reject
	// failed).
	Quarantine bool
	// Join: the mail may join the ticket it matched; when false it opens
	// a new one. Always true for RouteNew.
	Join bool
	// Commands: its #commands run; when false each is refused with
	// Reason.
	Commands bool
	// Reason says why something was refused; empty when nothing was.
	Reason string
}

// Decide is the trust policy of docs/rules.md §6, for a mail with sender
// check a that found its ticket by route, in a department whose
// authentication setting is mode ("" is commands):
//
//   - off: everything is allowed.
//   - a DMARC p=reject failure is quarantined, whatever the route.
//   - the reply token is proof enough: join and run commands.
//   - an authenticated sender: join and run commands.
//   - otherwise: commands are refused; under strict the mail does not
//     join a ticket it matched by a weaker route and opens a new one.
func Decide(mode string, route Route, a *Auth) Trust {
	if mode == AuthenticationOff {
		return Trust{Join: true, Commands: true}
	}
	if a.Rejected() {
		return Trust{Quarantine: true, Reason: fmt.Sprintf(
			"DMARC: %s publishes p=reject and this mail failed it (SPF %s, DKIM %s)",
			a.Domain, orNone(a.SPF), orNone(a.DKIM))}
	}
	if route == RouteToken || a.Authenticated() {
		return Trust{Join: true, Commands: true}
	}
	why := "the sender's address could not be authenticated"
	if a != nil {
		why += " (DMARC " + orNone(a.DMARC) + ")"
	}
	t := Trust{Join: true, Reason: why + "; commands are obeyed from an authenticated sender, " +
		"or in a reply to the Reply-To address of our mail"}
	if mode == AuthenticationStrict && route != RouteNew {
		t.Join = false
	}
	return t
}

// orNone reads a missing check result as none.
func orNone(s string) string {
	if s == "" {
		return AuthNone
	}
	return s
}

// authMode is the authentication setting of a department; an unknown
// department has the fallback's.
func (s *Service) authMode(department string) string {
	d, ok := s.table().depts[department]
	if !ok {
		d = s.table().fallback
	}
	return d.Authentication
}

// matchTrusted is match (docs/rules.md §6) with the trust policy applied:
// it returns the ticket, how it was found, and the refused candidates.
// Under strict authentication an unauthenticated sender's match by
// anything but the reply token is refused, and the mail opens a new
// ticket.
func (s *Service) matchTrusted(ctx context.Context, tx Tx, e *Email, p *Profile, sender string) (*Ticket, Route, []string, error) {
	t, refused, err := s.match(ctx, tx, e, p, sender)
	if t == nil || err != nil {
		return t, RouteNew, refused, err
	}
	// Decide treats In-Reply-To, References, the footer reference and
	// the subject tag alike; only the reply token is told apart.
	route := RouteThread
	if s.tokenNames(e, t.Number) {
		route = RouteToken
	}
	if tr := Decide(s.authMode(t.Department), route, e.Auth); !tr.Join {
		refused = append(refused, fmt.Sprintf("ticket %d matched, but its department's authentication is strict and %s: a new ticket is opened",
			t.Number, tr.Reason))
		return nil, RouteNew, refused, nil
	}
	return t, route, refused, nil
}

// tokenNames reports whether a recipient address of e carries a valid
// reply token for ticket number.
func (s *Service) tokenNames(e *Email, number int64) bool {
	for _, r := range e.Recipients() {
		local, _, _ := strings.Cut(NormalizeAddress(r), "@")
		_, detail, ok := strings.Cut(local, "+")
		if !ok || !s.isOwnAddress(r) {
			continue
		}
		if n, _, err := token.Verify(s.secret, detail); err == nil && n == number {
			return true
		}
	}
	return false
}

// quarantine keeps e out of every ticket, with the reason (docs/rules.md
// §6): nothing is stored on a ticket, nothing is answered.
func (s *Service) quarantine(ctx context.Context, tx Tx, e *Email, reason string, now time.Time) (*Receipt, error) {
	q := &Quarantined{Channel: e.Channel, Ref: "From " + e.From.Addr, MessageID: e.MessageID,
		Reason: reason, Size: len(e.Raw), Raw: e.Raw, CreatedAt: now}
	if err := tx.Quarantine(ctx, q); err != nil {
		return nil, err
	}
	return &Receipt{Outcome: OutcomeQuarantined, Refused: []string{reason}}, nil
}

// authWarning is the Slack card's warning for a message whose sender
// could not be authenticated; "" for one that was, or was not checked.
func authWarning(m *Message) string {
	if m.Auth == nil || m.Auth.Authenticated() {
		return ""
	}
	return "sender " + m.Auth.String()
}

// readOnly reports whether a command changes nothing, so that an
// unauthenticated sender may run it: #tickets, which lists the account's
// tickets to the sender's stored address (and runs the same way from a
// mail that matched no ticket).
func readOnly(name string) bool {
	ac, ok := LookupAction(name)
	return ok && ac.NoTicket
}
