package core

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Act applies one action to a ticket in one transaction: the vocabulary
// agents use from Slack and `helpdesk ticket act`, and customers by email
// command. It returns a sentence saying what was done; a refusal is an
// *Error whose message says why, and then nothing changed.
func (s *Service) Act(ctx context.Context, number int64, a Actor, action string, args ...string) (string, error) {
	var result string
	err := s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, number)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		result, err = s.act(ctx, tx, t, a, action, args, now)
		if err != nil {
			return err
		}
		return tx.UpdateTicket(ctx, t)
	})
	return result, err
}

// act performs one action on t, which the caller then writes. Who may
// run it and with how many arguments is its row's to say (actions.go).
func (s *Service) act(ctx context.Context, tx Tx, t *Ticket, a Actor, action string, args []string, now time.Time) (string, error) {
	ac, ok := LookupAction(action)
	if !ok {
		return "", unknownAction(a, action)
	}
	args, err := ac.check(a, args)
	if err != nil {
		return "", err
	}
	if t != nil { // a NoTicket action (#tickets) has none
		if err := s.mayActIn(a, t.Department, fmt.Sprintf("ticket #%d", t.Number)); err != nil {
			return "", err
		}
		if err := mergedRefusal(ctx, tx, t); err != nil {
			return "", err
		}
	}
	return ac.run(s, ctx, tx, t, a, args, now)
}

// assign gives the ticket to an agent; "me" is the agent who asks.
func (s *Service) assign(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	who := strings.TrimPrefix(args[0], "@")
	if strings.EqualFold(who, "me") {
		if a.Kind != ActorAgent {
			return "", Errorf(EINVALID, "%s is no agent; name the agent to assign", a)
		}
		who = a.ID
	}
	t.Assignee, t.UpdatedAt = who, now
	if t.Status == StatusSubmitted {
		if err := s.setStatus(ctx, tx, t, StatusAssigned, a, "", now); err != nil {
			return "", err
		}
	} else if err := s.notifyChange(ctx, tx, t, "assigned to "+t.Assignee+" by "+a.String(), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d assigned to %s", t.Number, t.Assignee), nil
}

func (s *Service) status(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	if err := s.setStatus(ctx, tx, t, args[0], a, "", now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d is now %s", t.Number, t.Status), nil
}

func (s *Service) close(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	if err := s.setStatus(ctx, tx, t, StatusClosed, a, "", now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d is closed", t.Number), nil
}

// reopen opens a closed ticket again; a customer only within the
// window and before rating it (docs/rules.md §2).
func (s *Service) reopen(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	if t.Status == StatusClosed && a.Kind == ActorCustomer {
		if why := s.reopenRefusal(t, now); why != "" {
			return "", Errorf(EFORBIDDEN, "%s", why)
		}
	}
	if t.Status != StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is %s, not closed", t.Number, t.Status)
	}
	if err := s.setStatus(ctx, tx, t, StatusReopened, a, "", now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d is reopened", t.Number), nil
}

// solved marks the ticket for the sweep's pre-close (docs/rules.md §2).
func (s *Service) solved(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	if !Active(t.Status) {
		return "", Errorf(ECONFLICT, "ticket #%d is %s; only an active ticket can be marked solved", t.Number, t.Status)
	}
	t.Solved, t.UpdatedAt = true, now
	if err := s.notifyChange(ctx, tx, t, "marked solved by "+a.String(), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d is marked solved", t.Number), nil
}

func (s *Service) priority(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.setPriority(ctx, tx, t, a, strings.ToLower(args[0]), now)
}

func (s *Service) hotrush(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.setHotRush(ctx, tx, t, a, strings.ToLower(args[0]), now)
}

func (s *Service) category(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.setCategory(ctx, tx, t, a, args[0], now)
}

func (s *Service) confirmAction(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	return s.confirm(ctx, tx, t, a, now)
}

func (s *Service) declineAction(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	return s.decline(ctx, tx, t, a, now)
}

func (s *Service) preagreeAction(ctx context.Context, tx Tx, t *Ticket, a Actor, _ []string, now time.Time) (string, error) {
	if err := s.mayCommit(ctx, tx, a, "agree to charges in advance"); err != nil {
		return "", err
	}
	return s.preagree(ctx, tx, t, a, now)
}

// reply is an agent's answer; docs/rules.md §5: it may wait for the
// charge.
func (s *Service) reply(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.answer(ctx, tx, t, a, args[0], now)
}

func (s *Service) note(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.staffMessage(ctx, tx, t, a, true, args[0], now)
}

func (s *Service) splitAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.split(ctx, tx, t, a, args[0], now)
}

func (s *Service) dispatchAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	return s.dispatch(ctx, tx, t, a, args[0], now)
}

// setPriority changes the priority while the ticket is open, and the
// account's fairness factor with it (docs/rules.md §3).
func (s *Service) setPriority(ctx context.Context, tx Tx, t *Ticket, a Actor, p string, now time.Time) (string, error) {
	if PriorityLevel(p) == 0 {
		return "", Errorf(EINVALID, "%q is not a priority (major, normal, minor)", p)
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed; its priority can no longer change", t.Number)
	}
	if t.Priority == p {
		return fmt.Sprintf("ticket #%d is %s already", t.Number, p), nil
	}
	t.Priority, t.UpdatedAt = p, now
	if err := tx.UpdateTicket(ctx, t); err != nil {
		return "", err
	}
	if err := s.refreshFactor(ctx, tx, t, now); err != nil {
		return "", err
	}
	if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("priority: %s by %s", p, a), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d now has priority %s", t.Number, p), nil
}

// refreshFactor recomputes the account's factor from its recent tickets
// and re-ranks its open tickets.
func (s *Service) refreshFactor(ctx context.Context, tx Tx, t *Ticket, now time.Time) error {
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return err
	}
	if err := s.refreshAccountFactor(ctx, tx, acc, now); err != nil {
		return err
	}
	t.Rank = float64(PriorityLevel(t.Priority)) * acc.PriorityFactor
	return nil
}

// refreshAccountFactor recomputes acc's factor, writes acc, and re-ranks
// its open tickets.
func (s *Service) refreshAccountFactor(ctx context.Context, tx Tx, acc *Account, now time.Time) error {
	sum, n, err := tx.PriorityStats(ctx, acc.ID, now.Add(-s.rules.PriorityWindow))
	if err != nil {
		return err
	}
	acc.PriorityFactor = PriorityFactor(sum, n, s.rules.PriorityK)
	if err := tx.UpdateAccount(ctx, acc); err != nil {
		return err
	}
	return tx.SetAccountRank(ctx, acc.ID, acc.PriorityFactor)
}

// setHotRush switches the urgent lane (docs/rules.md §3).
func (s *Service) setHotRush(ctx context.Context, tx Tx, t *Ticket, a Actor, v string, now time.Time) (string, error) {
	if v != "on" && v != "off" {
		return "", Errorf(EINVALID, "usage: hotrush on|off")
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed; HotRush can no longer change", t.Number)
	}
	on := v == "on"
	if t.HotRush == on {
		return fmt.Sprintf("HotRush is %s already on ticket #%d", v, t.Number), nil
	}
	acc, err := tx.Account(ctx, t.AccountID)
	if err != nil {
		return "", err
	}
	if on {
		if t.Type != TypeSupport {
			return "", Errorf(EFORBIDDEN, "HotRush is for support tickets; ticket #%d is a %s ticket", t.Number, t.Type)
		}
		switch {
		case acc.SubscriptionUntil.After(now), t.HotRushPaid:
		case acc.Incidents > 0:
			acc.Incidents--
			t.HotRushPaid = true
		default:
			return "", Errorf(EFORBIDDEN, "HotRush needs an active support subscription or an unused one-incident package; the account has neither")
		}
	} else if t.Status != StatusSubmitted {
		if acc.HotRushDisables >= s.rules.HotRushDisables {
			return "", Errorf(EFORBIDDEN, "HotRush was switched off %d times already on this account's tickets after they were taken up; that is the limit", acc.HotRushDisables)
		}
		acc.HotRushDisables++
	}
	if err := tx.UpdateAccount(ctx, acc); err != nil {
		return "", err
	}
	t.HotRush, t.UpdatedAt = on, now
	s.setDue(t)
	if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("HotRush %s by %s", v, a), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("HotRush is %s on ticket #%d", v, t.Number), nil
}

// staffMessage stores an agent's answer (emailed to the customer) or an
// internal note (never leaves the staff).
func (s *Service) staffMessage(ctx context.Context, tx Tx, t *Ticket, a Actor, note bool, text string, now time.Time) (string, error) {
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed; reopen it first", t.Number)
	}
	m := &Message{Ticket: t.Number, Direction: DirNote, From: a.ID, MessageID: s.newMessageID(t.Number),
		Text: text, CreatedAt: now}
	post, err := s.slackPost(ctx, tx, t)
	if err != nil {
		return "", err
	}
	post.From, post.Text = a.String(), text
	if note {
		post.Direction = DirNote
		m.BodyHash = m.MessageID
		if err := tx.AddMessage(ctx, m); err != nil {
			return "", err
		}
		if !a.InSlack {
			if err := enqueue(ctx, tx, OutboxSlackReply, t.Number, post, now); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("note added to ticket #%d", t.Number), nil
	}
	post.Direction, m.Direction = DirOutbound, DirOutbound
	t.LastPublicAt, t.UpdatedAt = now, now
	s.stopClock(t, now)
	if t.Assignee == "" {
		t.Assignee = a.ID
	}
	// docs/rules.md §2: an agent's first public reply starts the work.
	// The answer itself tells the customer, so no status notice goes.
	for _, step := range [][2]string{{StatusSubmitted, StatusAssigned}, {StatusAssigned, StatusInProgress}, {StatusReopened, StatusInProgress}} {
		if t.Status == step[0] {
			if err := s.moveStatus(t, step[1], a, now); err != nil {
				return "", err
			}
		}
	}
	// The stored answer carries the Message-ID of the mail that sends it.
	ml, err := s.emailCustomer(ctx, tx, t, TemplateReply, Notice{Text: text, Agent: a.Name, Files: mailFilesOf(ctx)}, now)
	if err != nil {
		return "", err
	}
	if ml.first != "" {
		m.MessageID = ml.first
	}
	m.BodyHash = m.MessageID
	if err := tx.AddMessage(ctx, m); err != nil {
		return "", err
	}
	if !a.InSlack {
		post.NotMailed = ml.first == ""
		if err := enqueue(ctx, tx, OutboxSlackReply, t.Number, post, now); err != nil {
			return "", err
		}
	}
	if err := s.notifyChange(ctx, tx, t, "", now); err != nil {
		return "", err
	}
	return s.answerMailed(ctx, tx, t, a, ml, now)
}

// answerMailed says whom an agent's answer was mailed to. An answer that
// was not mailed to someone (a bouncing address) says so to the agent,
// and in the ticket's Slack thread, where it shows as answered.
func (s *Service) answerMailed(ctx context.Context, tx Tx, t *Ticket, a Actor, ml mailing, now time.Time) (string, error) {
	if len(ml.skipped) == 0 {
		return fmt.Sprintf("answer sent to the customer of ticket #%d", t.Number), nil
	}
	var who []string
	bouncing := false
	for _, sk := range ml.skipped {
		who = append(who, fmt.Sprintf("%s (%s)", sk.addr, sk.why))
		bouncing = bouncing || sk.bouncing
	}
	res := fmt.Sprintf("answer recorded on ticket #%d but not mailed to %s", t.Number, strings.Join(who, ", "))
	if ml.first != "" {
		res = fmt.Sprintf("answer sent to the customer of ticket #%d, but not mailed to %s", t.Number, strings.Join(who, ", "))
	}
	if bouncing {
		res += "; an address whose mail bounced is mailed again once it writes to us"
	}
	var mention []string
	if a.Kind == ActorAgent {
		mention = []string{a.ID}
	}
	err := enqueue(ctx, tx, OutboxSlackNotice, t.Number, SlackNotice{Department: t.Department, Number: t.Number,
		Text: "A" + res[1:] + ".", Mention: mention, InThread: true}, now)
	return res, err
}

// rate records the customer's rating of a closed ticket, once; a low
// score or any comment goes to the department's heads (docs/rules.md §2).
func (s *Service) rate(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	score, err := strconv.Atoi(args[0])
	if err != nil || score < 1 || score > 5 {
		return "", Errorf(EINVALID, "a rating is a number from 1 to 5, not %q", args[0])
	}
	if t.Status != StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is %s; only a closed ticket can be rated", t.Number, t.Status)
	}
	if t.RatingScore != 0 {
		return "", Errorf(ECONFLICT, "ticket #%d is rated already (%d)", t.Number, t.RatingScore)
	}
	comment := strings.TrimSpace(strings.Join(args[1:], " "))
	t.RatingScore, t.RatingComment, t.UpdatedAt = score, comment, now
	if score <= 2 || comment != "" {
		text := fmt.Sprintf("Ticket #%d %q was rated %d/5 by its customer.", t.Number, t.Subject, score)
		if comment != "" {
			text += " Comment: " + comment
		}
		if err := notifyDepartment(ctx, tx, t, text, s.table().heads[t.Department], now); err != nil {
			return "", err
		}
	}
	if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("rated %d/5 by the customer", score), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("thank you: ticket #%d is rated %d/5", t.Number, score), nil
}

// task adds a task or sets a task's status (docs/rules.md §2).
func (s *Service) task(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error) {
	if t.Type != TypeProject {
		return "", Errorf(ECONFLICT, "ticket #%d is a %s ticket; only project tickets have tasks", t.Number, t.Type)
	}
	if t.Status == StatusClosed {
		return "", Errorf(ECONFLICT, "ticket #%d is closed", t.Number)
	}
	if args[0] == "add" {
		if a.Kind == ActorCustomer {
			return "", Errorf(EFORBIDDEN, "only support staff add tasks")
		}
		tk := &Task{Ticket: t.Number, Title: strings.Join(args[1:], " "), Status: TaskStatuses[0], UpdatedAt: now}
		if err := tx.CreateTask(ctx, tk); err != nil {
			return "", err
		}
		if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("task %d added: %s", tk.Number, tk.Title), now); err != nil {
			return "", err
		}
		return fmt.Sprintf("task %d added to ticket #%d", tk.Number, t.Number), nil
	}
	n, err := strconv.Atoi(args[0])
	if err == nil && slices.Contains(taskFields, strings.ToLower(args[1])) {
		return s.setTaskField(ctx, tx, t, a, n, strings.ToLower(args[1]), args[2:], now)
	}
	if err != nil || len(args) != 2 {
		return "", Errorf(EINVALID, "usage: task N STATUS")
	}
	status := strings.ToLower(args[1])
	if !slices.Contains(TaskStatuses, status) {
		return "", Errorf(EINVALID, "%q is not a task status (%s)", status, strings.Join(TaskStatuses, ", "))
	}
	if taskByCustomer[status] != (a.Kind == ActorCustomer) {
		if a.Kind == ActorCustomer {
			return "", Errorf(EFORBIDDEN, "customers set ready_to_upload and approved; support staff set %s", status)
		}
		return "", Errorf(EFORBIDDEN, "only the customer sets %s", status)
	}
	tk, err := taskOf(ctx, tx, t, n)
	if err != nil {
		return "", err
	}
	tk.Status, tk.UpdatedAt = status, now
	if err := tx.UpdateTask(ctx, &tk); err != nil {
		return "", err
	}
	if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("task %d %s by %s", n, status, a), now); err != nil {
		return "", err
	}
	return fmt.Sprintf("task %d of ticket #%d is %s", n, t.Number, status), nil
}

// dispatch moves a ticket to another department; its Slack card is
// posted anew in that department's channel.
func (s *Service) dispatch(ctx context.Context, tx Tx, t *Ticket, a Actor, dept string, now time.Time) (string, error) {
	if _, ok := s.table().depts[dept]; !ok {
		return "", Errorf(EINVALID, "no department %q", dept)
	}
	if t.Department == dept {
		return "", Errorf(ECONFLICT, "ticket #%d is in %s already", t.Number, dept)
	}
	if err := s.notifyChange(ctx, tx, t, fmt.Sprintf("moved to %s by %s", dept, a), now); err != nil {
		return "", err
	}
	t.Department, t.Type, t.UpdatedAt = dept, typeOf(dept), now
	t.SlackChannel, t.SlackTS = "", ""
	post, err := s.slackPost(ctx, tx, t)
	if err != nil {
		return "", err
	}
	if err := enqueue(ctx, tx, OutboxSlackTicket, t.Number, post, now); err != nil {
		return "", err
	}
	return fmt.Sprintf("ticket #%d moved to %s", t.Number, dept), nil
}
