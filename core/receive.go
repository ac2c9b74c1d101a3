package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"helpdesk/core/token"
)

// Outcomes of Receive.
const (
	OutcomeNew       = "new"       // a new ticket was opened
	OutcomeReply     = "reply"     // appended to an existing ticket
	OutcomeDuplicate = "duplicate" // the same mail is stored already
	OutcomeAuto      = "auto"      // automatic mail: stored, nothing answered
	OutcomeBounce    = "bounce"    // a delivery failure: stored, the address marked bouncing
	OutcomeCommands  = "commands"  // only commands that act on no ticket (#tickets): stored, answered
	// OutcomeQuarantined: kept out of every ticket (docs/rules.md §6, a
	// DMARC p=reject failure); Refused says why.
	OutcomeQuarantined = "quarantined"
)

// Receipt says what Receive did with a mail.
type Receipt struct {
	Outcome string
	Ticket  int64 // 0 when an automatic mail matched no ticket
	Message int64 // the stored message; 0 for a duplicate
	// Refused lists ticket matches that were refused, and why; the mail
	// then went to a new ticket. For the log.
	Refused []string
	// Held is the quarantine id of a mail the unknown-sender policy held
	// or rejected (OutcomeHeld, OutcomeRejected).
	Held int64
}

// Receive stores one inbound mail and applies the rules to it, in one
// transaction: match a ticket (docs/rules.md §6), or open a new one; append the
// message; write the outbox rows. When Receive returns nil the mail is
// committed and the source may acknowledge it. An error has code
// ETEMPORARY when trying again later may succeed.
func (s *Service) Receive(ctx context.Context, e *Email) (*Receipt, error) {
	var rc *Receipt
	err := s.write(ctx, func(tx Tx) error {
		var err error
		rc, err = s.receive(ctx, tx, e, s.now().UTC())
		return err
	})
	if ErrorCode(err) == ECONFLICT {
		// Delivered before: the unique constraint rolled this copy back.
		rc = &Receipt{Outcome: OutcomeDuplicate}
		_ = s.store.Tx(ctx, func(tx Tx) error {
			rc.Ticket, _ = tx.TicketByMessageID(ctx, e.MessageID)
			return nil
		})
		return rc, nil
	}
	if err != nil {
		return nil, fmt.Errorf("receive <%s>: %w", e.MessageID, err)
	}
	if rc.Outcome == OutcomeQuarantined {
		s.log.Warn("mail quarantined", "message_id", e.MessageID, "from", e.From.Addr, "reason", rc.Refused[0])
		return rc, nil
	}
	for _, why := range rc.Refused {
		s.log.Info("ticket match refused", "message_id", e.MessageID, "from", e.From.Addr, "reason", why, "ticket", rc.Ticket)
	}
	return rc, nil
}

func (s *Service) receive(ctx context.Context, tx Tx, e *Email, now time.Time) (*Receipt, error) {
	// Before anything reads them: the ids looked up, the commands run.
	s.limits.boundEmail(e)
	sender := NormalizeAddress(e.From.Addr)
	if sender == "" {
		return nil, Errorf(EINVALID, "message has no valid From address")
	}
	profile, err := tx.ProfileByEmail(ctx, sender)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if tr := Decide(s.recipientDepartment(e).Authentication, RouteNew, e.Auth); tr.Quarantine {
		return s.quarantine(ctx, tx, e, tr.Reason, now)
	}
	rc, unproven, err := s.receiveBounce(ctx, tx, e, now)
	if rc != nil || err != nil {
		return rc, err
	}
	ticket, route, refused, err := s.matchTrusted(ctx, tx, e, profile, sender)
	if err != nil {
		return nil, err
	}
	rc = &Receipt{Refused: refused}
	actor := senderActor(e, sender, profile, ticket)

	msg := inboundMessage(e, sender, profile, now)
	switch {
	case unproven != "":
		msg.Auto, msg.AutoReason = true, unproven
	case msg.Auto:
	case s.toBounceAddress(e):
		msg.Auto, msg.AutoReason = true, "sent to the gateway's bounce address"
	case s.isOwnAddress(sender):
		// Our own notice came back (a forwarding loop): never answer it.
		msg.Auto, msg.AutoReason = true, "loop: sent from the gateway's own address"
	case s.isOwnMessageID(e.MessageID):
		msg.Auto, msg.AutoReason = true, "loop: the gateway's own notification came back"
	}
	if rc, done, err := s.admit(ctx, tx, e, sender, profile, msg.Auto, now); done || err != nil {
		return rc, err
	}
	if !msg.Auto && profile != nil && !profile.BouncingSince.IsZero() {
		// The address works again: it may be mailed.
		profile.BouncingSince, profile.BounceStatus = time.Time{}, ""
		if err := tx.UpdateProfile(ctx, profile); err != nil {
			return nil, err
		}
	}

	// docs/rules.md §6: automatic mail is stored on the ticket it threads to,
	// but opens nothing, reopens nothing and is never answered.
	if msg.Auto {
		rc.Outcome = OutcomeAuto
		if ticket != nil {
			msg.Ticket, rc.Ticket = ticket.Number, ticket.Number
		}
		if err := tx.AddMessage(ctx, msg); err != nil {
			return nil, err
		}
		rc.Message = msg.ID
		return rc, nil
	}

	if ticket == nil && onlyTicketless(e) {
		return s.ticketless(ctx, tx, e, actor, msg, now)
	}

	var predecessor int64
	if ticket != nil && ticket.Status == StatusClosed && !onlyCommands(e) {
		// docs/rules.md §2: a reply reopens a closed ticket within the window
		// unless it was rated; otherwise it opens a new ticket that
		// records the old one. Nothing is dropped either way.
		if why := s.reopenRefusal(ticket, now); why != "" {
			rc.Refused = append(rc.Refused, why+": a new ticket is opened")
			predecessor, ticket, route = ticket.Number, nil, RouteNew
		} else if err := s.setStatus(ctx, tx, ticket, StatusReopened, actor, "the customer wrote again", now); err != nil {
			return nil, err
		}
	}

	if ticket == nil {
		ticket, err = s.open(ctx, tx, e, profile, msg, predecessor, now)
		if err != nil {
			return nil, err
		}
		rc.Outcome, rc.Ticket, rc.Message = OutcomeNew, ticket.Number, msg.ID
		actor.Kind = ActorCustomer
		return rc, s.commands(ctx, tx, ticket, e, actor, route, now)
	}

	rc.Outcome, rc.Ticket = OutcomeReply, ticket.Number
	return rc, s.appendReply(ctx, tx, ticket, e, actor, route, msg, rc, now)
}

// appendReply appends a customer's mail, which found t by route, to t and
// applies it: the new message, the people it was addressed to
// (docs/rules.md §1), its commands.
func (s *Service) appendReply(ctx context.Context, tx Tx, t *Ticket, e *Email, a Actor, route Route, msg *Message, rc *Receipt, now time.Time) error {
	msg.Ticket = t.Number
	if err := tx.AddMessage(ctx, msg); err != nil {
		return err
	}
	rc.Message = msg.ID
	if strings.TrimSpace(msg.Text) != "" || len(msg.Attachments) > 0 {
		if err := s.customerWrote(ctx, tx, t, a, msg, now); err != nil {
			return err
		}
	}
	if a.Kind == ActorCustomer {
		if _, err := s.addCopied(ctx, tx, t, e, msg.From, now); err != nil {
			return err
		}
	}
	if err := s.commands(ctx, tx, t, e, a, route, now); err != nil {
		return err
	}
	return tx.UpdateTicket(ctx, t)
}

// inboundMessage is the message a customer's mail is stored as.
func inboundMessage(e *Email, sender string, profile *Profile, now time.Time) *Message {
	msg := &Message{
		Direction:   DirInbound,
		From:        sender,
		MessageID:   e.MessageID,
		BodyHash:    e.BodyHash,
		Subject:     e.Subject,
		Text:        e.Text,
		Quoted:      e.Quoted,
		Auto:        e.Auto,
		AutoReason:  e.AutoReason,
		Attachments: e.Attachments,
		Raw:         e.Raw,
		CreatedAt:   now,
		Auth:        e.Auth,
	}
	if profile != nil {
		msg.ProfileID = profile.ID
	}
	return msg
}

// onlyCommands reports whether a mail says nothing but #commands, such as
// "#rate 5" sent to a closed ticket: it acts on the ticket without
// reopening it.
func onlyCommands(e *Email) bool {
	return len(e.Commands) > 0 && strings.TrimSpace(e.Text) == "" && len(e.Attachments) == 0
}

// customerWrote applies a customer's new message to an open ticket.
func (s *Service) customerWrote(ctx context.Context, tx Tx, t *Ticket, a Actor, m *Message, now time.Time) error {
	t.LastPublicAt, t.UpdatedAt = now, now
	// The customer still needs something: the solved mark no longer
	// holds, and the pre-close timer waits for another one.
	t.Solved = false
	if t.Status == StatusPreClosed {
		if err := s.setStatus(ctx, tx, t, StatusInProgress, a, "the customer wrote again", now); err != nil {
			return err
		}
	}
	if !t.AwaitingReply {
		s.startClock(t, now)
	}
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return err
	}
	return s.enqueueSlack(ctx, tx, OutboxSlackReply, t, acc, m, now)
}

// commands applies the #commands of a customer's mail, which found t by
// route, to t and tells the sender what each did (docs/rules.md §6). An
// unauthenticated sender's commands are refused (Decide); the notice
// saying so goes to the sender's stored address, never to an address the
// mail named (its envelope sender or Reply-To).
func (s *Service) commands(ctx context.Context, tx Tx, t *Ticket, e *Email, a Actor, route Route, now time.Time) error {
	if len(e.Commands) == 0 {
		return nil
	}
	trust := Decide(s.authMode(t.Department), route, e.Auth)
	var done []commandResult
	for _, c := range e.Commands {
		line := strings.TrimSpace(c.Line)
		if !trust.Commands && !readOnly(c.Name) {
			done = append(done, commandResult{line: line, why: trust.Reason})
			continue
		}
		if c.Err != "" {
			done = append(done, commandResult{line: line, why: c.Err})
			continue
		}
		res, err := s.act(ctx, tx, t, a, c.Name, c.Args, now)
		if err != nil && ErrorCode(err) == EINTERNAL {
			return err
		}
		if err != nil {
			done = append(done, commandResult{line: line, why: ErrorMessage(err)})
			continue
		}
		done = append(done, commandResult{line: line, ok: true, res: res})
	}
	if err := tx.UpdateTicket(ctx, t); err != nil {
		return err
	}
	// The results answer the sender's own mail: they go to the sender,
	// whoever of the ticket's people that is, in the sender's language.
	lang, err := s.senderLanguage(ctx, tx, t, a)
	if err != nil {
		return err
	}
	results := commandResults(done, lang)
	if e.CommandsIgnored > 0 {
		results = append(results, ignoredCommands(e.CommandsIgnored, s.limits.CommandsPerMail, lang))
	}
	_, err = s.answerSender(ctx, tx, t, a, TemplateCommands, Notice{Results: results}, now)
	return err
}

// open creates the ticket for a new mail, and the customer's account and
// profile when the sender is unknown (docs/rules.md §1, policy "open").
func (s *Service) open(ctx context.Context, tx Tx, e *Email, profile *Profile, msg *Message, predecessor int64, now time.Time) (*Ticket, error) {
	var acc *Account
	var err error
	level := PriorityLevel(PriorityNormal)
	newAccount := profile == nil
	if newAccount {
		// A new account's factor comes from this one ticket.
		acc = &Account{Kind: AccountPresales, Name: e.From.Name, CreatedAt: now,
			PriorityFactor: PriorityFactor(level, 1, s.rules.PriorityK)}
		if err := tx.CreateAccount(ctx, acc); err != nil {
			return nil, err
		}
		profile = &Profile{AccountID: acc.ID, Email: msg.From, Name: e.From.Name, Role: RolePrimary, CreatedAt: now,
			MailLanguage: MailLanguage(e)}
		if err := tx.CreateProfile(ctx, profile); err != nil {
			return nil, err
		}
		msg.ProfileID = profile.ID
	} else if acc, err = tx.Account(ctx, profile.AccountID); err != nil {
		return nil, err
	}

	dept := s.table().fallback.Name
	for _, r := range e.Recipients() {
		if d, ok := s.departmentOf(r); ok {
			dept = d
			break
		}
	}
	// docs/rules.md §2: a leading [word] of the subject sets the type.
	dept, typ, subject := s.typeSubject(dept, CleanSubject(e.Subject))
	if subject == "" {
		subject = "(no subject)"
	}
	if !newAccount {
		// An existing account: this ticket moves its mean priority.
		sum, n, err := tx.PriorityStats(ctx, acc.ID, now.Add(-s.rules.PriorityWindow))
		if err != nil {
			return nil, err
		}
		if f := PriorityFactor(sum+level, n+1, s.rules.PriorityK); f != acc.PriorityFactor {
			acc.PriorityFactor = f
			if err := tx.UpdateAccount(ctx, acc); err != nil {
				return nil, err
			}
			if err := tx.SetAccountRank(ctx, acc.ID, f); err != nil {
				return nil, err
			}
		}
	}
	t := s.newTicket(acc, profile.ID, dept, subject, now)
	t.Type, t.Predecessor = typ, predecessor
	if err := tx.CreateTicket(ctx, t); err != nil {
		return nil, err
	}

	msg.Ticket = t.Number
	if err := tx.AddMessage(ctx, msg); err != nil {
		return nil, err
	}
	// docs/rules.md §1: the people the opening mail was addressed to join
	// the ticket before its acknowledgment, which reaches them too.
	if _, _, err := s.copyRecipients(ctx, tx, t, e, msg.From, now); err != nil {
		return nil, err
	}
	if err := s.enqueueAck(ctx, tx, t, profile, e, now); err != nil {
		return nil, err
	}
	if err := s.enqueueSlack(ctx, tx, OutboxSlackTicket, t, acc, msg, now); err != nil {
		return nil, err
	}
	// After the card, which the assignment's thread message follows.
	if err := s.autoAssignNew(ctx, tx, t, now); err != nil {
		return nil, err
	}
	return t, nil
}

// newTicket is a new submitted ticket of acc, with its first-response
// clock started and its rank from the account's factor; the caller
// creates it.
func (s *Service) newTicket(acc *Account, profile int64, dept, subject string, now time.Time) *Ticket {
	t := &Ticket{
		AccountID:    acc.ID,
		ProfileID:    profile,
		Department:   dept,
		Type:         typeOf(dept),
		Status:       StatusSubmitted,
		Priority:     PriorityNormal,
		Subject:      subject,
		CreatedAt:    now,
		UpdatedAt:    now,
		LastPublicAt: now,
		StatusAt:     now,
		Preagreed:    acc.Preagree, // docs/rules.md §5: the account-wide default
	}
	s.startClock(t, now)
	t.Rank = float64(PriorityLevel(t.Priority)) * acc.PriorityFactor
	return t
}

// enqueueAck writes the acknowledgment of a new ticket to its requester
// and participants (docs/rules.md §6). Its Message-IDs are fixed here and
// indexed, so the customer's reply threads back to the ticket and a
// retried send is the same mail.
func (s *Service) enqueueAck(ctx context.Context, tx Tx, t *Ticket, p *Profile, e *Email, now time.Time) error {
	to, cc, err := s.audience(ctx, tx, t, true)
	if err != nil {
		return err
	}
	if to.Name == "" {
		to.Name = e.From.Name
	}
	th := thread{InReplyTo: e.MessageID, References: append(append([]string{}, e.References...), e.MessageID)}
	n := Notice{Name: e.From.Name, Text: e.Text, Predecessor: t.Predecessor}
	_, err = s.mailCopies(ctx, tx, t, TemplateAck, n, th, to, cc, now)
	return err
}

func (s *Service) enqueueSlack(ctx context.Context, tx Tx, kind string, t *Ticket, acc *Account, m *Message, now time.Time) error {
	p := s.cardOf(t, acc)
	p.From, p.Text, p.Quoted, p.Attachments, p.Direction = m.From, m.Text, m.Quoted, m.Attachments, DirInbound
	p.AuthWarning = authWarning(m)
	if err := s.cardPeople(ctx, tx, t, &p); err != nil {
		return err
	}
	if err := enqueue(ctx, tx, kind, t.Number, p, now); err != nil {
		return err
	}
	return enqueueUploads(ctx, tx, t, m, now)
}

// UploadsPerMessage is how many of a customer message's attachments are
// uploaded into the ticket's thread; the thread names how many more
// there are. Each upload reads the stored mail back to take its file, so
// without a cap a mail of a thousand small parts (the MIME limit), a few
// hundred KB from a stranger, cost the outbox a thousand readings of
// itself, about half a minute of CPU, and its thread a thousand files.
const UploadsPerMessage = 20

// enqueueUploads writes a row per attachment of a customer's message,
// up to UploadsPerMessage, each to be uploaded into the ticket's thread
// after the message itself, and a notice in the thread for the rest
// (docs/rules.md §7).
func enqueueUploads(ctx context.Context, tx Tx, t *Ticket, m *Message, now time.Time) error {
	if m.ID == 0 || m.Direction != DirInbound {
		return nil
	}
	for i, a := range m.Attachments[:min(len(m.Attachments), UploadsPerMessage)] {
		up := SlackUpload{Department: t.Department, Number: t.Number, Message: m.ID, Index: i, File: a}
		if err := enqueue(ctx, tx, OutboxSlackFile, t.Number, up, now); err != nil {
			return err
		}
	}
	if rest := len(m.Attachments) - UploadsPerMessage; rest > 0 {
		files := "attachments"
		if rest == 1 {
			files = "attachment"
		}
		n := SlackNotice{Department: t.Department, Number: t.Number, InThread: true,
			Text: fmt.Sprintf("%d more %s of this mail not uploaded here: at most %d are uploaded from one mail. The stored mail keeps every file.",
				rest, files, UploadsPerMessage)}
		if err := enqueue(ctx, tx, OutboxSlackNotice, t.Number, n, now); err != nil {
			return err
		}
	}
	return nil
}

func enqueue(ctx context.Context, tx Tx, kind string, ticket int64, payload any, now time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s: %w", kind, err)
	}
	// No NextAttempt: due at once by the worker's clock, even when this
	// change ran on another clock (`sweep --at`).
	return tx.Enqueue(ctx, &OutboxItem{Kind: kind, Lane: LaneOf(kind), Ticket: ticket, Payload: b, CreatedAt: now})
}

// replyAddress is the department's first address with the token as its
// +detail: support+TOKEN@example.com.
func (s *Service) replyAddress(department, tok string) string {
	t := s.table()
	d, ok := t.depts[department]
	if !ok {
		d = t.fallback
	}
	local, domain, _ := strings.Cut(NormalizeAddress(d.Addresses[0]), "@")
	return local + "+" + tok + "@" + domain
}

func (s *Service) newMessageID(ticket int64) string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("helpdesk.t%d.%s@%s", ticket, hex.EncodeToString(b[:]), s.domain)
}

// isOwnMessageID reports whether id is one the gateway generated.
func (s *Service) isOwnMessageID(id string) bool {
	return strings.HasPrefix(id, "helpdesk.t") && strings.HasSuffix(id, "@"+s.domain)
}

// verifyRef checks a footer reference "T1042-TOKEN" and returns its
// ticket number.
func (s *Service) verifyRef(ref string) (int64, bool) {
	num, tok, ok := strings.Cut(strings.TrimPrefix(strings.ToUpper(ref), "T"), "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, false
	}
	number, _, err := token.Verify(s.secret, tok)
	return number, err == nil && number == n
}

func (s *Service) isOwnAddress(addr string) bool {
	_, ok := s.departmentOf(addr)
	return ok
}

var subjectTag = regexp.MustCompile(`\[#(\d{1,18})\]`)

// match finds the ticket a mail from profile belongs to (docs/rules.md §6):
// a signed reply token, then In-Reply-To and References, then a [#N]
// subject tag. A candidate is accepted only when the sender is a profile
// of the ticket's account, or a participant of the ticket while it is
// open (p may be nil: a participant need not be a profile); a refused
// candidate never receives the mail.
func (s *Service) match(ctx context.Context, tx Tx, e *Email, p *Profile, sender string) (*Ticket, []string, error) {
	var refused []string
	try := func(number int64, how string) (*Ticket, error) {
		// docs/rules.md §2: mail to a merged ticket goes to its survivor.
		number, err := survivor(ctx, tx, number)
		if err != nil {
			return nil, err
		}
		t, err := tx.Ticket(ctx, number)
		if ErrorCode(err) == ENOTFOUND {
			refused = append(refused, fmt.Sprintf("%s names ticket %d, which does not exist", how, number))
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if p != nil && t.AccountID == p.AccountID {
			return t, nil
		}
		why, err := s.participantRefusal(ctx, tx, t, sender)
		if why != "" {
			refused = append(refused, fmt.Sprintf("%s names ticket %d: %s", how, number, why))
			return nil, err
		}
		return t, err
	}

	for _, r := range e.Recipients() {
		local, _, _ := strings.Cut(NormalizeAddress(r), "@")
		_, detail, ok := strings.Cut(local, "+")
		if !ok || !s.isOwnAddress(r) {
			continue
		}
		number, _, err := token.Verify(s.secret, detail)
		if err != nil {
			refused = append(refused, fmt.Sprintf("reply address %s: %v", r, err))
			continue
		}
		if t, err := try(number, "reply token"); t != nil || err != nil {
			return t, refused, err
		}
	}

	for _, id := range append(append([]string{}, e.InReplyTo...), reversed(e.References)...) {
		number, err := tx.TicketByMessageID(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if t, err := try(number, "In-Reply-To/References <"+id+">"); t != nil || err != nil {
			return t, refused, err
		}
	}

	// docs/rules.md §6: the signed reference in a notification's footer,
	// found in the quoted text, for clients that drop References.
	for _, ref := range e.Refs {
		number, ok := s.verifyRef(ref)
		if !ok {
			refused = append(refused, fmt.Sprintf("reference %s has no valid signature", ref))
			continue
		}
		if t, err := try(number, "signed reference"); t != nil || err != nil {
			return t, refused, err
		}
	}

	if m := subjectTag.FindStringSubmatch(e.Subject); m != nil {
		number, err := strconv.ParseInt(m[1], 10, 64)
		if err == nil {
			if t, err := try(number, "subject tag"); t != nil || err != nil {
				return t, refused, err
			}
		}
	}
	return nil, refused, nil
}

// reversed returns References newest first: the last entry is the
// message replied to.
func reversed(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}
	return out
}
