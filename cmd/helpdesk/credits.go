package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/store"
)

const creditsUsage = `usage: credits show EMAIL|ACCOUNT-ID [--json] | grant EMAIL --license NAME | purchase EMAIL --package N |
       transfer FROM-EMAIL TO-EMAIL N | verify | preagree EMAIL on|off | adjust EMAIL ±N --reason TEXT`

// cmdCredits is `credits show|grant|purchase|transfer|verify|preagree|adjust`
// (docs/rules.md §5).
func cmdCredits(ctx context.Context, args []string, stdout, stderr io.Writer, env []string) error {
	if len(args) == 0 {
		return usageError{creditsUsage}
	}
	sub, args := args[0], args[1:]
	var amount string
	if sub == "adjust" {
		// -5 would read as a flag: the signed amount is taken out first.
		amount, args = signedArg(args)
	}
	fs := flag.NewFlagSet("credits "+sub, flag.ContinueOnError)
	var c common
	c.register(fs, env)
	asJSON := fs.Bool("json", false, "print JSON")
	license := fs.String("license", "", "the license that grants credits")
	pkg := fs.Int("package", 0, "the package bought, in credits")
	by := fs.String("by", "admin", "who made the change, for the ledger")
	reason := fs.String("reason", "", "adjust: why, for the ledger (a refund, a goodwill grant)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if sub == "adjust" && amount == "" && len(pos) == 2 {
		amount, pos = pos[1], pos[:1] // unsigned: a number of credits to add
	}
	switch {
	case sub == "show" && len(pos) == 1, sub == "grant" && len(pos) == 1 && *license != "",
		sub == "purchase" && len(pos) == 1 && *pkg != 0, sub == "transfer" && len(pos) == 3,
		sub == "verify" && len(pos) == 0, sub == "preagree" && len(pos) == 2,
		sub == "adjust" && len(pos) == 1 && amount != "":
	default:
		return usageError{creditsUsage}
	}
	app, err := openCore(ctx, &c, env, stderr, nil)
	if err != nil {
		return err
	}
	defer app.DB.Close()
	switch sub {
	case "show":
		return creditsShow(ctx, app.DB, pos[0], *asJSON, stdout)
	case "verify":
		return creditsVerify(ctx, app.DB, *asJSON, stdout)
	case "grant":
		e, err := app.Core.Grant(ctx, pos[0], *license, *by)
		if err != nil {
			return creditsError(err)
		}
		return printEntry(stdout, e, app.Config().CoreRules().Credits, *asJSON)
	case "purchase":
		e, err := app.Core.Purchase(ctx, pos[0], *pkg, *by)
		if err != nil {
			return creditsError(err)
		}
		return printEntry(stdout, e, app.Config().CoreRules().Credits, *asJSON)
	case "transfer":
		return creditsTransfer(ctx, app, pos, *by, *asJSON, stdout)
	case "adjust":
		return creditsAdjust(ctx, app, pos[0], amount, *reason, *by, *asJSON, stdout)
	case "preagree":
		return creditsPreagree(ctx, app, pos, *asJSON, stdout)
	}
	return usageError{creditsUsage}
}

// creditsTransfer runs credits transfer FROM TO N.
func creditsTransfer(ctx context.Context, app *gateway.App, pos []string, by string, asJSON bool, stdout io.Writer) error {
	n, err := strconv.Atoi(pos[2])
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a whole number of credits", pos[2])}
	}
	out, in, err := app.Core.Transfer(ctx, pos[0], pos[1], n, by)
	if err != nil {
		return creditsError(err)
	}
	if asJSON {
		return writeJSON(stdout, struct {
			Credits int               `json:"credits"`
			From    gateway.EntryView `json:"from"`
			To      gateway.EntryView `json:"to"`
		}{n, gateway.EntryViewOf(out), gateway.EntryViewOf(in)})
	}
	fmt.Fprintf(stdout, "%d credits moved from account #%d (balance %d) to account #%d (balance %d)\n",
		n, out.AccountID, out.Balance, in.AccountID, in.Balance)
	return nil
}

// creditsAdjust runs credits adjust EMAIL ±N: a refund or goodwill grant.
func creditsAdjust(ctx context.Context, app *gateway.App, email, amount, reason, by string, asJSON bool, stdout io.Writer) error {
	n, err := strconv.Atoi(amount)
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a signed whole number of credits, such as +10 or -5", amount)}
	}
	e, err := app.Core.Adjust(ctx, email, n, reason, by)
	if err != nil {
		return creditsError(err)
	}
	if asJSON {
		return writeJSON(stdout, struct {
			gateway.EntryView
			Account int64 `json:"account"`
		}{gateway.EntryViewOf(e), e.AccountID})
	}
	fmt.Fprintf(stdout, "account #%d: %+d credits by hand (%s), balance %d\n", e.AccountID, e.Amount, e.Reason, e.Balance)
	return nil
}

// creditsPreagree runs credits preagree EMAIL on|off.
func creditsPreagree(ctx context.Context, app *gateway.App, pos []string, asJSON bool, stdout io.Writer) error {
	var on bool
	switch pos[1] {
	case "on":
		on = true
	case "off":
	default:
		return usageError{"usage: credits preagree EMAIL on|off"}
	}
	acc, err := app.Core.SetPreagree(ctx, pos[0], on)
	if err != nil {
		return creditsError(err)
	}
	if asJSON {
		return writeJSON(stdout, struct {
			Account  int64 `json:"account"`
			Preagree bool  `json:"preagree"`
		}{acc.ID, acc.Preagree})
	}
	fmt.Fprintf(stdout, "account #%d: new tickets pre-agreed: %s\n", acc.ID, onOff(acc.Preagree))
	return nil
}

// signedArg takes the first argument that is a signed number (+10,
// -5) out of args.
func signedArg(args []string) (string, []string) {
	for i, a := range args {
		if len(a) > 1 && (a[0] == '-' || a[0] == '+') && strings.Trim(a[1:], "0123456789") == "" {
			return a, append(args[:i:i], args[i+1:]...)
		}
	}
	return "", args
}

// creditsError shows a refusal's reason and nothing internal.
func creditsError(err error) error {
	if core.ErrorCode(err) == core.EINTERNAL || core.ErrorCode(err) == core.ETEMPORARY {
		return err
	}
	return errors.New(core.ErrorMessage(err))
}

func printEntry(w io.Writer, e *core.LedgerEntry, r core.CreditRules, asJSON bool) error {
	if asJSON {
		return writeJSON(w, struct {
			gateway.EntryView
			Account   int64     `json:"account"`
			ExpiresAt time.Time `json:"expires_at"`
		}{gateway.EntryViewOf(e), e.AccountID, e.At.AddDate(0, r.LotMonths, 0)})
	}
	_, err := fmt.Fprintf(w, "account #%d: %+d credits (%s), balance %d; the lot expires %s\n",
		e.AccountID, e.Amount, e.Reason, e.Balance, e.At.AddDate(0, r.LotMonths, 0).Format("2006-01-02 15:04 MST"))
	return err
}

func creditsShow(ctx context.Context, db *store.DB, email string, asJSON bool, w io.Writer) error {
	st, err := db.CreditStatement(ctx, email)
	if err != nil {
		return cliError(err, "account of "+email)
	}
	if asJSON {
		out := gateway.StatementViewOf(st)
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "account #%d (%s) of %s: %d credits; new tickets pre-agreed: %s\n",
		st.Account.ID, st.Account.Kind, st.Email, st.Account.Credits, onOff(st.Account.Preagree))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nLOT\tKIND\tCREDITS\tREMAINING\tADDED\tEXPIRES")
	for _, l := range st.Lots {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\n", l.ID, l.Kind, l.Credits, l.Remaining,
			l.AddedAt.Format("2006-01-02"), l.ExpiresAt.Format("2006-01-02 15:04Z"))
	}
	fmt.Fprintln(tw, "\nENTRY\tAT\tKIND\tAMOUNT\tBALANCE\tTICKET\tBY\tREASON")
	for _, e := range st.Entries {
		ticket := ""
		if e.Ticket != 0 {
			ticket = fmt.Sprintf("#%d", e.Ticket)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%+d\t%d\t%s\t%s\t%s\n", e.ID, e.At.Format("2006-01-02 15:04Z"), e.Kind, e.Amount,
			e.Balance, ticket, e.By, clip(e.Reason, 60))
	}
	return tw.Flush()
}

// creditsVerify checks every balance against its ledger; any difference
// is printed and the command fails.
func creditsVerify(ctx context.Context, db *store.DB, asJSON bool, w io.Writer) error {
	bad, err := db.VerifyCredits(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		type diff struct {
			Account int64  `json:"account,omitempty"`
			Ticket  int64  `json:"ticket,omitempty"`
			What    string `json:"what"`
		}
		out := struct {
			OK          bool   `json:"ok"`
			Differences []diff `json:"differences"`
		}{OK: len(bad) == 0, Differences: []diff{}}
		for _, m := range bad {
			out.Differences = append(out.Differences, diff{m.Account, m.Ticket, m.What})
		}
		if err := writeJSON(w, out); err != nil || len(bad) == 0 {
			return err
		}
		return fmt.Errorf("credits verify: %d differences", len(bad))
	}
	if len(bad) == 0 {
		fmt.Fprintln(w, "credits verified: every balance equals its ledger and its lots, every ticket's charge its entries")
		return nil
	}
	for _, m := range bad {
		if m.Ticket != 0 {
			fmt.Fprintf(w, "ticket #%d: %s\n", m.Ticket, m.What)
		} else {
			fmt.Fprintf(w, "account #%d: %s\n", m.Account, m.What)
		}
	}
	return fmt.Errorf("credits verify: %d differences", len(bad))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
