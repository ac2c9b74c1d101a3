package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/store"
)

// cmdAccounts is `account list|show ID|add|rename ID NAME|merge FROM TO
// [--json]` (docs/rules.md §1).
func cmdAccounts(ctx context.Context, sub string, args []string, stdout, stderr io.Writer, env []string) error {
	fs := flag.NewFlagSet("account "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	kind := fs.String("kind", core.AccountCustomer, "add: customer or presales")
	name := fs.String("name", "", "add: the company's name")
	primary := fs.String("primary", "", "add: the primary profile's address")
	force := fs.Bool("force", false, "merge: merge a customer account into a presales one")
	by := fs.String("by", "admin", "merge: who merged, for the ledger")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	app, err := openCore(ctx, &c, env, stderr, nil)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	var id int64
	switch sub {
	case "merge":
		if len(pos) != 2 {
			return usageError{"usage: account merge FROM TO [--force] [--json] (an account id or a profile's address each)"}
		}
		return accountMerge(ctx, app, pos[0], pos[1], *by, *force, *asJSON, stdout)
	case "list":
		if len(pos) != 0 {
			return usageError{"usage: account list [--json]"}
		}
	case "show", "rename":
		if len(pos) < 1 || (sub == "show") != (len(pos) == 1) {
			return usageError{"usage: account show ID [--json], account rename ID NAME"}
		}
		if id, err = strconv.ParseInt(strings.TrimPrefix(pos[0], "#"), 10, 64); err != nil || id <= 0 {
			return usageError{fmt.Sprintf("account %q is not an id", pos[0])}
		}
	case "add":
		if len(pos) != 0 || *primary == "" {
			return usageError{"usage: account add --primary EMAIL [--name NAME] [--kind customer|presales] [--json]"}
		}
		acc, _, err := app.Core.AddAccount(ctx, *kind, *name, core.Address{Addr: *primary})
		if err != nil {
			return err
		}
		id = acc.ID
	}
	if sub == "rename" {
		if err := app.Core.RenameAccount(ctx, id, strings.Join(pos[1:], " ")); err != nil {
			return cliError(err, "account "+pos[0])
		}
	}
	accs, err := app.DB.Accounts(ctx, id)
	if err != nil {
		return cliError(err, "account")
	}
	if *asJSON {
		if sub == "list" {
			return writeJSON(stdout, accs)
		}
		return writeJSON(stdout, accs[0])
	}
	for _, a := range accs {
		printAccount(stdout, a)
	}
	return nil
}

func printAccount(w io.Writer, a store.AccountView) {
	fmt.Fprintf(w, "account #%d %s %q: %d credits, %d tickets", a.ID, a.Kind, a.Name, a.Credits, a.Tickets)
	if a.MergedInto != 0 {
		fmt.Fprintf(w, "; merged into #%d", a.MergedInto)
	}
	fmt.Fprintln(w)
	for _, p := range a.Profiles {
		fmt.Fprintf(w, "  %s\n", profileLine(p))
	}
}

// accountMerge is `account merge FROM TO`: it prints what moved and the
// account merged into.
func accountMerge(ctx context.Context, app *gateway.App, from, to, by string, force, asJSON bool, stdout io.Writer) error {
	m, err := app.Core.MergeAccount(ctx, from, to, by, force)
	if err != nil {
		return err
	}
	accs, err := app.DB.Accounts(ctx, m.To)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, struct {
			ID       int64             `json:"id"`
			From     int64             `json:"from"`
			To       int64             `json:"to"`
			Profiles int               `json:"profiles"`
			Tickets  int               `json:"tickets"`
			Credits  int               `json:"credits"`
			At       time.Time         `json:"at"`
			Account  store.AccountView `json:"account"`
		}{m.ID, m.From, m.To, m.Profiles, m.Tickets, m.Credits, m.At, accs[0]})
	}
	fmt.Fprintf(stdout, "account #%d merged into #%d: %d profiles, %d tickets and %d credits moved\n",
		m.From, m.To, m.Profiles, m.Tickets, m.Credits)
	printAccount(stdout, accs[0])
	return nil
}

func profileLine(p store.ProfileView) string {
	s := fmt.Sprintf("%s (%s", p.Email, p.Role)
	if p.Language != "" {
		s += ", language " + p.Language
	}
	if !p.Notifications {
		s += ", notifications off"
	}
	s += fmt.Sprintf(", %d tickets)", p.Tickets)
	if len(p.FormerEmails) > 0 {
		s += " formerly " + strings.Join(p.FormerEmails, ", ")
	}
	return s
}

// cmdProfile is `profile add ACCOUNT EMAIL|show EMAIL|set EMAIL ...|move
// EMAIL --to ACCOUNT [--json]` (docs/rules.md §1).
func cmdProfile(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{"profile needs a subcommand: add, show, set or move"}
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("profile "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	var u core.ProfileUpdate
	optional := func(name, help string, dst **string) {
		fs.Func(name, help, func(v string) error { *dst = &v; return nil })
	}
	optional("email", "set: the new address (the old one is kept in its history)", &u.Email)
	optional("name", "the person's name", &u.Name)
	optional("role", "primary, advanced_secondary or secondary", &u.Role)
	optional("language", "set: en, ru, or \"\" for the mail's", &u.Language)
	to := fs.String("to", "", "move: the account's id or the address of one of its profiles")
	fs.Func("notifications", "set: on or off", func(v string) error {
		on := v == "on"
		if !on && v != "off" {
			return fmt.Errorf("notifications is on or off")
		}
		u.Notifications = &on
		return nil
	})
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	app, err := openCore(ctx, &c, env, stderr, nil)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	email := ""
	switch {
	case sub == "add" && len(pos) == 2:
		id, err := strconv.ParseInt(strings.TrimPrefix(pos[0], "#"), 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("account %q is not an id", pos[0])}
		}
		role, name := core.RoleSecondary, ""
		if u.Role != nil {
			role = *u.Role
		}
		if u.Name != nil {
			name = *u.Name
		}
		p, err := app.Core.AddProfile(ctx, id, pos[1], name, role)
		if err != nil {
			return cliError(err, "account "+pos[0])
		}
		email = p.Email
	case sub == "show" && len(pos) == 1:
		email = pos[0]
	case sub == "move" && len(pos) == 1 && *to != "":
		role := ""
		if u.Role != nil {
			role = *u.Role
		}
		p, err := app.Core.MoveProfile(ctx, pos[0], *to, role)
		if err != nil {
			return err
		}
		email = p.Email
	case sub == "set" && len(pos) == 1:
		p, err := app.Core.SetProfile(ctx, pos[0], u)
		if err != nil {
			return cliError(err, "profile "+pos[0])
		}
		email = p.Email
	default:
		return usageError{"usage: profile add ACCOUNT EMAIL [--role R] [--name N], profile show EMAIL, " +
			"profile set EMAIL [--email NEW] [--role R] [--name N] [--language en|ru] [--notifications on|off], " +
			"profile move EMAIL --to ACCOUNT [--role R]; all take --json"}
	}
	p, err := app.DB.Profile(ctx, email)
	if err != nil {
		return cliError(err, "profile "+email)
	}
	if *asJSON {
		return writeJSON(stdout, p)
	}
	fmt.Fprintf(stdout, "profile #%d of account #%d: %s\n", p.ID, p.Account, profileLine(*p))
	return nil
}
