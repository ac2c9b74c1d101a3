package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Action is one thing that can be done to a ticket. The table of them,
// actions, is the one vocabulary of `helpdesk ticket act`, Slack's
// /helpdesk and buttons, and the customer's #commands: each surface lists
// and checks what it offers from the table, so their help and their
// refusals cannot drift apart.
type Action struct {
	Name string
	Who  []string // the actor kinds that may run it
	// Args are its arguments as shown in help, e.g. "STATUS"; empty when
	// Choices says them or when it takes none. CustomerArgs replaces Args
	// for customers when they may pass fewer forms.
	Args, CustomerArgs string
	// Choices, when set, are the words its one argument may be.
	Choices []string
	// Min and Max bound the number of arguments; Max < 0 is no bound.
	Min, Max int
	// Text is set when the arguments are one free text, kept as typed.
	Text bool
	// Agent is set when its one argument names an agent, so that a
	// surface can resolve its own way of naming one (a Slack mention).
	Agent bool
	// Help is what it does, a phrase that completes "only X can …".
	Help string
	// NoTicket is set when it acts on no one ticket (#tickets): a mail
	// that holds nothing else opens no ticket.
	NoTicket bool

	run actionFunc
}

// actionFunc performs an action whose actor and argument count were
// checked against its row.
type actionFunc func(s *Service, ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, now time.Time) (string, error)

// Groups of actor kinds for Action.Who. The admin runs what staff may
// do without speaking as, or standing for, one agent.
var (
	whoCustomer = []string{ActorCustomer}
	whoAgent    = []string{ActorAgent}
	whoStaff    = []string{ActorAgent, ActorAdmin}
	whoAnyone   = []string{ActorCustomer, ActorAgent, ActorAdmin}
	// whoPeople are the customer's people, of the account or not:
	// actions that change no ticket (docs/rules.md §1).
	whoPeople = []string{ActorCustomer, ActorParticipant}
)

// actions is the table, in the order help lists it: life cycle first,
// then charges and tasks, then messages and moves. The customer's part
// of it reads as docs/rules.md §6 lists the email commands.
var actions = []Action{
	{Name: "assign", Who: whoStaff, Args: "@AGENT|me", Min: 1, Max: 1, Agent: true,
		Help: "assign the ticket to an agent", run: (*Service).assign},
	{Name: "status", Who: whoStaff, Args: "STATUS", Min: 1, Max: 1,
		Help: "set the status (" + strings.Join(statuses, ", ") + ")", run: (*Service).status},
	{Name: "solved", Who: whoStaff,
		Help: "mark the ticket solved, so that it pre-closes when idle", run: (*Service).solved},
	{Name: "close", Who: whoAnyone,
		Help: "close the ticket", run: (*Service).close},
	{Name: "reopen", Who: whoAnyone,
		Help: "reopen a closed ticket", run: (*Service).reopen},
	{Name: "priority", Who: whoAnyone, Choices: []string{"major", "normal", "minor"}, Min: 1, Max: 1,
		Help: "set the priority", run: (*Service).priority},
	{Name: "hotrush", Who: whoAnyone, Choices: []string{"on", "off"}, Min: 1, Max: 1,
		Help: "switch the urgent lane on or off", run: (*Service).hotrush},
	{Name: "category", Who: whoStaff, Choices: []string{"1", "2", "3"}, Min: 1, Max: 1,
		Help: "assess the ticket's credits category", run: (*Service).category},
	{Name: "confirm", Who: whoCustomer,
		Help: "accept the charge asked for", run: (*Service).confirmAction},
	{Name: "decline", Who: whoCustomer,
		Help: "refuse the charge asked for, closing the ticket", run: (*Service).declineAction},
	{Name: "preagree", Who: whoCustomer,
		Help: "agree in advance to the ticket's charge", run: (*Service).preagreeAction},
	{Name: "rate", Who: whoCustomer, Args: "1-5 [comment]", Min: 1, Max: -1,
		Help: "rate a closed ticket", run: (*Service).rate},
	{Name: "lang", Who: whoCustomer, Choices: Languages, Min: 1, Max: 1,
		Help: "choose the language of our mails", run: (*Service).langAction},
	{Name: "task", Who: whoAnyone, Args: "add TITLE | N STATUS | N developer NAME|start DATE|due DATE|progress 0-100", CustomerArgs: "N ready_to_upload|approved", Min: 2, Max: -1,
		Help: "add a project task or set a task's status, developer, time frame or progress", run: (*Service).task},
	{Name: "cc", Who: whoAnyone, Args: "add|remove EMAIL", Min: 2, Max: 2,
		Help: "add or remove a person copied on the ticket's mail", run: (*Service).ccAction},
	{Name: "tickets", Who: whoPeople, NoTicket: true,
		Help: "mail the list of the account's open tickets", run: (*Service).ticketsAction},
	{Name: "reply", Who: whoAgent, Args: "TEXT", Min: 1, Max: -1, Text: true,
		Help: "answer the customer by email", run: (*Service).reply},
	{Name: "note", Who: whoAgent, Args: "TEXT", Min: 1, Max: -1, Text: true,
		Help: "add an internal note, never sent to the customer", run: (*Service).note},
	{Name: "split", Who: whoStaff, Args: "MESSAGE", Min: 1, Max: 1,
		Help: "move a message (its number or Message-ID) to a new ticket", run: (*Service).splitAction},
	{Name: "dispatch", Who: whoStaff, Args: "DEPARTMENT", Min: 1, Max: 1,
		Help: "move the ticket to another department", run: (*Service).dispatchAction},
	{Name: "tag", Who: whoStaff, Args: "add|remove TAG", Min: 2, Max: 2,
		Help: "tag the ticket or remove a tag", run: (*Service).tagAction},
	{Name: "reply-with", Who: whoAgent, Args: "NAME", Min: 1, Max: 1,
		Help: "answer the customer with a saved reply", run: (*Service).replyWith},
	{Name: "charge", Who: whoStaff, Args: "AMOUNT REASON", Min: 2, Max: -1,
		Help: "charge a custom amount of credits, with the reason", run: (*Service).chargeAction},
	{Name: "merge", Who: whoStaff, Args: "#M", Min: 1, Max: 1,
		Help: "merge the ticket into ticket #M about the same problem", run: (*Service).mergeAction},
}

// statuses are the statuses, in life cycle order.
var statuses = []string{StatusSubmitted, StatusAssigned, StatusInProgress, StatusPreClosed, StatusClosed, StatusReopened}

// Actions returns the table.
func Actions() []Action { return slices.Clone(actions) }

// ActionsFor returns the actions an actor of this kind may run, in the
// table's order.
func ActionsFor(kind string) []Action {
	var out []Action
	for _, ac := range actions {
		if ac.May(kind) {
			out = append(out, ac)
		}
	}
	return out
}

// LookupAction finds an action by its name.
func LookupAction(name string) (Action, bool) {
	i := slices.IndexFunc(actions, func(ac Action) bool { return ac.Name == name })
	if i < 0 {
		return Action{}, false
	}
	return actions[i], true
}

// May reports whether an actor of this kind may run the action.
func (ac Action) May(kind string) bool { return slices.Contains(ac.Who, kind) }

// Usage is the action with its arguments as an actor of this kind
// writes them, e.g. "priority major|normal|minor".
func (ac Action) Usage(kind string) string {
	args := ac.Args
	switch {
	case kind == ActorCustomer && ac.CustomerArgs != "":
		args = ac.CustomerArgs
	case ac.Choices != nil:
		args = strings.Join(ac.Choices, "|")
	}
	if args == "" {
		return ac.Name
	}
	return ac.Name + " " + args
}

// ActionList is the actions an actor of this kind may run, on one line,
// each written with prefix: "#close, #reopen, #priority major|normal|minor, …".
func ActionList(kind, prefix string) string {
	var us []string
	for _, ac := range ActionsFor(kind) {
		us = append(us, prefix+ac.Usage(kind))
	}
	return strings.Join(us, ", ")
}

// UnknownCommand is the customer's answer to an email #command that
// names no action of theirs.
func UnknownCommand(name string) string {
	return fmt.Sprintf("Unknown command #%s. Valid commands are: %s.", name, ActionList(ActorCustomer, "#"))
}

// check refuses a run of ac by a, or with args, that its row does not
// allow. For a Text action it returns the text as the one argument.
func (ac Action) check(a Actor, args []string) ([]string, error) {
	if !ac.May(a.Kind) {
		if a.Kind == ActorParticipant && ac.May(ActorCustomer) {
			// docs/rules.md §1: copied on the ticket, not of its account.
			return nil, Errorf(EFORBIDDEN, "only the people of the ticket's account can %s; %s is copied on the ticket from outside it",
				ac.Help, a.ID)
		}
		return nil, Errorf(EFORBIDDEN, "only %s can %s", whoNames(ac.Who), ac.Help)
	}
	usage := Errorf(EINVALID, "usage: %s", ac.Usage(a.Kind))
	if ac.Text {
		text := strings.TrimSpace(strings.Join(args, " "))
		if text == "" {
			return nil, usage
		}
		return []string{text}, nil
	}
	if len(args) < ac.Min || ac.Max >= 0 && len(args) > ac.Max {
		return nil, usage
	}
	return args, nil
}

// whoNames says who may run an action, for a refusal.
func whoNames(who []string) string {
	if slices.Equal(who, whoStaff) {
		return "support staff"
	}
	names := map[string]string{ActorCustomer: "the customer", ActorParticipant: "a participant", ActorAgent: "an agent", ActorAdmin: "the admin"}
	var ns []string
	for _, k := range who {
		ns = append(ns, names[k])
	}
	return strings.Join(ns, " or ")
}

// unknownAction refuses a name that is in no row, listing what the
// actor may run instead.
func unknownAction(a Actor, name string) error {
	if a.Kind == ActorCustomer {
		return Errorf(EINVALID, "%s", UnknownCommand(name))
	}
	return Errorf(EINVALID, "unknown action %q (%s)", name, ActionList(a.Kind, ""))
}
