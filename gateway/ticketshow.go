package gateway

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"helpdesk/core"
	"helpdesk/store"
)

// TicketDetail is everything `helpdesk ticket show` shows of a ticket.
type TicketDetail struct {
	Ticket    *core.TicketSummary
	Messages  []core.Message
	Tasks     []core.Task
	Requester string
	People    []core.Participant
	Tags      []string
	Custom    []core.CustomCharge // custom charges, oldest first
	Merges    *store.TicketMerges
	// Now is the time the tasks' due dates are measured at; LoadTicket
	// sets the wall clock.
	Now time.Time
}

// LoadTicket reads ticket n with its messages, tasks and people; an
// unknown number is an ENOTFOUND error.
func LoadTicket(ctx context.Context, db *store.DB, n int64) (*TicketDetail, error) {
	r, err := db.TicketRow(ctx, n)
	if err != nil {
		return nil, err
	}
	d := &TicketDetail{Ticket: r, Now: time.Now()}
	if d.Messages, err = db.Messages(ctx, n); err != nil {
		return nil, err
	}
	if d.Messages == nil {
		d.Messages = []core.Message{}
	}
	if d.Tasks, err = db.Tasks(ctx, n); err != nil {
		return nil, err
	}
	if d.Requester, d.People, err = db.TicketPeople(ctx, n); err != nil {
		return nil, err
	}
	if d.Tags, err = db.TicketTags(ctx, n); err != nil {
		return nil, err
	}
	if d.Custom, err = db.CustomCharges(ctx, n); err != nil {
		return nil, err
	}
	if d.Merges, err = db.TicketMerges(ctx, n); err != nil {
		return nil, err
	}
	return d, nil
}

// View is the ticket as `ticket show --json` prints it.
func (d *TicketDetail) View() TicketView {
	v := TicketViewOf(d.Ticket, d.Messages)
	WithTasks(&v, d.Tasks, d.Now)
	WithParticipants(&v, d.Requester, d.People)
	tags := append([]string{}, d.Tags...)
	v.Tags = &tags
	for _, c := range d.Custom {
		v.Credits.Custom = append(v.Credits.Custom, CustomChargeView{Amount: c.Amount, Reason: c.Reason, By: c.By, State: c.State, At: c.CreatedAt})
	}
	WithMerges(&v, d.Merges)
	return v
}

// WriteText writes the ticket as `ticket show` prints it.
func (d *TicketDetail) WriteText(w io.Writer) error {
	r := d.Ticket
	fmt.Fprintf(w, "#%d %s\n", r.Number, r.Subject)
	fmt.Fprintf(w, "status %s · %s · department %s · priority %s · account %s #%d (%s)\n",
		r.Status, r.Type, r.Department, r.Priority, r.Account.Kind, r.Account.ID, r.Email)
	var extra []string
	if r.HotRush {
		extra = append(extra, "HotRush")
	}
	if r.Assignee != "" {
		extra = append(extra, "assigned to "+r.Assignee)
	}
	if r.Solved {
		extra = append(extra, "marked solved")
	}
	if r.AwaitingReply {
		extra = append(extra, fmt.Sprintf("first response due %s (%s)", r.SLADue.UTC().Format("2006-01-02 15:04Z"), r.SLAState))
	}
	if r.Predecessor != 0 {
		extra = append(extra, fmt.Sprintf("follows #%d", r.Predecessor))
	}
	if r.RatingScore != 0 {
		extra = append(extra, fmt.Sprintf("rated %d/5", r.RatingScore))
	}
	if r.Category != 0 || r.Preagreed {
		extra = append(extra, creditsLine(r))
	}
	if len(extra) > 0 {
		fmt.Fprintln(w, strings.Join(extra, " · "))
	}
	fmt.Fprintln(w, peopleLine(d.Requester, d.People))
	if len(d.Tags) > 0 {
		fmt.Fprintln(w, "tags: "+strings.Join(d.Tags, ", "))
	}
	for _, c := range d.Custom {
		fmt.Fprintf(w, "custom charge: %d credits (%s) by %s, %s\n", c.Amount, c.Reason, c.By, c.State)
	}
	writeMerges(w, d.Merges)
	for _, tk := range d.Tasks {
		fmt.Fprintf(w, "task %d: %s [%s] %d%%%s\n", tk.Number, tk.Title, tk.Status, tk.Progress, taskSchedule(tk, d.Now))
	}
	for _, m := range d.Messages {
		auto := ""
		if m.Auto {
			auto = " [automatic: " + m.AutoReason + "]"
		}
		fmt.Fprintf(w, "\n--- %s %s from %s <%s>%s\n", m.CreatedAt.Format("2006-01-02 15:04"), m.Direction, m.From, m.MessageID, auto)
		if m.Auth != nil {
			fmt.Fprintln(w, senderLine(m.Auth))
		}
		fmt.Fprintln(w, m.Text)
		for _, a := range m.Attachments {
			fmt.Fprintf(w, "  [attachment] %s (%d bytes)\n", a.Filename, a.Size)
		}
		if m.Quoted != "" {
			fmt.Fprintf(w, "  [%d lines of quoted history hidden]\n", strings.Count(m.Quoted, "\n")+1)
		}
	}
	return nil
}

// creditsLine is the ticket's credits for `ticket show`.
func creditsLine(r *core.TicketSummary) string {
	s := "not assessed"
	if r.Category != 0 {
		s = fmt.Sprintf("category %d", r.Category)
	}
	s += fmt.Sprintf(", %d credits charged", r.Charged)
	if r.Preagreed {
		s += ", pre-agreed"
	}
	switch r.Hold {
	case core.HoldConfirmation:
		s += ", answer awaiting the customer's confirmation"
	case core.HoldCredits:
		s += ", answer awaiting credits"
	}
	return s
}

// peopleLine lists a ticket's people for `ticket show`: "requester
// ann@… · cc bob@…, carl@…".
func peopleLine(requester string, ps []core.Participant) string {
	line := "requester " + requester
	if len(ps) > 0 {
		var cc []string
		for _, p := range ps {
			cc = append(cc, p.Email)
		}
		line += " · cc " + strings.Join(cc, ", ")
	}
	return line
}

// senderLine is a message's sender check in `ticket show`.
func senderLine(a *core.Auth) string {
	mark := ""
	if !a.Authenticated() {
		mark = "⚠ "
	}
	j := AuthViewOf(a)
	return fmt.Sprintf("%ssender %s: %s (dmarc=%s spf=%s dkim=%s)", mark, j.Domain, a, j.DMARC, j.SPF, j.DKIM)
}

// writeMerges says where a merged ticket went, and what was merged into
// this one with the charges made on those tickets (docs/rules.md §2).
func writeMerges(w io.Writer, m *store.TicketMerges) {
	if m == nil {
		return
	}
	if m.Into != 0 {
		fmt.Fprintf(w, "merged into #%d\n", m.Into)
	}
	if len(m.From) > 0 {
		var ns []string
		for _, n := range m.From {
			ns = append(ns, fmt.Sprintf("#%d", n))
		}
		fmt.Fprintf(w, "merged from %s\n", strings.Join(ns, ", "))
	}
	for _, e := range m.Charges {
		fmt.Fprintf(w, "charge on #%d: %+d credits (%s, %s)\n", e.Ticket, e.Amount, e.Kind, e.Reason)
	}
}

// taskSchedule is a task's developer and time frame for `ticket show`,
// with a mark when it is overdue.
func taskSchedule(tk core.Task, now time.Time) string {
	var s string
	if tk.Developer != "" {
		s += " · " + tk.Developer
	}
	if !tk.Start.IsZero() {
		s += " · from " + tk.Start.Format(core.DateLayout)
	}
	if !tk.Due.IsZero() {
		s += " · due " + tk.Due.Format(core.DateLayout)
	}
	if tk.Overdue(now) {
		s += " · OVERDUE"
	}
	return s
}
