package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// Every row is whole and names one handler, and every handler has a row.
func TestActions_Table(t *testing.T) {
	kinds := []string{ActorCustomer, ActorParticipant, ActorAgent, ActorAdmin}
	names := map[string]bool{}
	handlers := map[string]string{}
	for _, ac := range actions {
		switch {
		case ac.Name == "" || strings.ToLower(ac.Name) != ac.Name || strings.ContainsAny(ac.Name, " #"):
			t.Errorf("%q is not a plain lower-case name", ac.Name)
		case names[ac.Name]:
			t.Errorf("two rows for %q", ac.Name)
		case ac.run == nil:
			t.Errorf("%s has no handler", ac.Name)
		case ac.Help == "" || len(ac.Who) == 0:
			t.Errorf("%s lacks its help or who may run it", ac.Name)
		case ac.Max >= 0 && ac.Max < ac.Min, ac.Choices != nil && (ac.Min != 1 || ac.Max != 1),
			ac.Text && ac.Max >= 0, ac.Agent && ac.Max != 1:
			t.Errorf("%s: its argument bounds do not fit its kind: %+v", ac.Name, ac)
		case strings.ContainsAny(ac.Help+ac.Args+ac.CustomerArgs, "<>&`*~"):
			// Slack's help shows them as mrkdwn.
			t.Errorf("%s: help or usage has a character Slack would read as markup", ac.Name)
		}
		for _, k := range ac.Who {
			if !slices.Contains(kinds, k) {
				t.Errorf("%s: %q is no actor kind that acts", ac.Name, k)
			}
		}
		names[ac.Name] = true
		fn := runtime.FuncForPC(reflect.ValueOf(ac.run).Pointer()).Name()
		if other, ok := handlers[fn]; ok {
			t.Errorf("%s and %s share the handler %s", ac.Name, other, fn)
		}
		handlers[fn] = ac.Name
	}
	// A method shaped like an actionFunc is meant for a row.
	for _, m := range actionShaped(t) {
		if _, ok := handlers["helpdesk/core.(*Service)."+m]; !ok {
			t.Errorf("(*Service).%s looks like an action handler but no row runs it", m)
		}
	}
}

// actionShaped lists the Service methods of this package whose
// parameters are an actionFunc's.
func actionShaped(t *testing.T) []string {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || types(fd.Type.Params) != "context.Context Tx *Ticket Actor []string time.Time" {
				continue
			}
			out = append(out, fd.Name.Name)
		}
	}
	if len(out) == 0 {
		t.Fatal("found no handlers: has actionFunc's shape changed?")
	}
	return out
}

// types writes a parameter list's types, one per parameter.
func types(fl *ast.FieldList) string {
	var ts []string
	for _, f := range fl.List {
		s := exprString(f.Type)
		for range max(1, len(f.Names)) {
			ts = append(ts, s)
		}
	}
	return strings.Join(ts, " ")
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.ArrayType:
		return "[]" + exprString(e.Elt)
	}
	return "?"
}

func TestActions_Lists(t *testing.T) {
	want := "#close, #reopen, #priority major|normal|minor, #hotrush on|off, #confirm, #decline, #preagree, " +
		"#rate 1-5 [comment], #task N ready_to_upload|approved, #cc add|remove EMAIL, #tickets"
	if got := ActionList(ActorCustomer, "#"); got != want {
		t.Errorf("customer list\n got %s\nwant %s (docs/rules.md §6)", got, want)
	}
	for _, kind := range []string{ActorAgent, ActorAdmin} {
		err := unknownAction(Actor{Kind: kind}, "frobnicate")
		for _, ac := range ActionsFor(kind) {
			if !strings.Contains(ErrorMessage(err), ac.Usage(kind)) {
				t.Errorf("%s: unknown action refusal %q omits %s", kind, ErrorMessage(err), ac.Name)
			}
		}
	}
	if msg := ErrorMessage(unknownAction(Actor{Kind: ActorCustomer}, "frobnicate")); msg != UnknownCommand("frobnicate") {
		t.Errorf("a customer's unknown action is answered %q, not as an unknown #command", msg)
	}
	// The admin speaks for no agent.
	for _, name := range []string{"reply", "note"} {
		if ac, _ := LookupAction(name); ac.May(ActorAdmin) || !ac.May(ActorAgent) {
			t.Errorf("%s: who %v", name, ac.Who)
		}
	}
}
