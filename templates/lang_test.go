package templates

import (
	"regexp"
	"strings"
	"testing"

	"helpdesk/core"
)

// englishWords would betray an English fragment left in a Russian
// notice. Command names (#confirm) and the "Ref:" marker the parser
// looks for are the same in every language and are cut out first.
var englishWords = regexp.MustCompile(`(?i)\b(hello|ticket|request|reply|replies|please|kind|regards|support|team|your|you|the|and|credits?|automatic|message|status|subject|category|account|thank|wrote|closed|reopen(ed)?|engineer)\b`)

var commandOrRef = regexp.MustCompile(`#[a-z_]+|Ref: T\d+-[A-Z0-9]+`)

// everyNotice is one Notice per template and variant, with customer
// strings in the language being rendered.
func everyNotice(lang string) map[string]core.Notice {
	name, subject, text := "Ann", "Checkout page", "The checkout shows a white page."
	if lang == core.LangRU {
		name, subject, text = "Анна", "Страница оплаты", "Страница оплаты пустая."
	}
	base := core.Notice{Number: 1042, Subject: subject, Name: name, Text: text, Ref: "T1042-K3F9A2C1", Lang: lang}
	out := map[string]core.Notice{}
	add := func(key, template string, edit func(n *core.Notice)) {
		n := base
		edit(&n)
		out[key+"/"+template] = n
	}
	add("plain", core.TemplateAck, func(*core.Notice) {})
	add("predecessor", core.TemplateAck, func(n *core.Notice) { n.Predecessor = 977 })
	add("noname", core.TemplateAck, func(n *core.Notice) { n.Name = "" })
	add("agent", core.TemplateReply, func(n *core.Notice) { n.Agent = "Dana" })
	add("team", core.TemplateReply, func(*core.Notice) {})
	add("tasks", core.TemplateReply, func(n *core.Notice) {
		n.Tasks = []core.TaskLine{{Number: 1, Title: subject, Status: "working", Progress: 40, Due: "2026-12-20", Overdue: true}}
	})
	add("tasks", core.TemplateStatus, func(n *core.Notice) {
		n.Status, n.Tasks = core.StatusInProgress, []core.TaskLine{{Number: 2, Title: subject, Status: "scheduled"}}
	})
	for _, st := range []string{core.StatusSubmitted, core.StatusAssigned, core.StatusInProgress, core.StatusPreClosed, core.StatusClosed, core.StatusReopened} {
		add(st, core.TemplateStatus, func(n *core.Notice) { n.Status = st })
	}
	add("none", core.TemplateCommands, func(*core.Notice) {})
	add("some", core.TemplateCommands, func(n *core.Notice) { n.Results = []string{"#lang ru: " + text} })
	add("confirm", core.TemplateCredits, func(n *core.Notice) {
		n.Credits = &core.CreditsNotice{Wait: core.HoldConfirmation, Category: 2, Cost: 3, Charged: 1, Due: 2, Balance: 21}
	})
	add("credits", core.TemplateCredits, func(n *core.Notice) {
		n.Credits = &core.CreditsNotice{Wait: core.HoldCredits, Category: 3, Cost: 5, Due: 5, Balance: 1,
			Packages: []core.CreditPackage{{Credits: 10, Price: "$90"}, {Credits: 22, Price: "$180"}}}
	})
	add("split", core.TemplateSplit, func(n *core.Notice) { n.SplitFrom = 977 })
	add("merged", core.TemplateMerged, func(n *core.Notice) { n.MergedFrom = 977 })
	add("refusal", core.TemplateRefusal, func(n *core.Notice) { n.Number, n.Ref = 0, "" })
	return out
}

// TestRender_Languages renders every notice kind in English and Russian
// (docs/rules.md §1): no template syntax is left, every template exists
// in both, and the Russian ones hold no English fragment.
func TestRender_Languages(t *testing.T) {
	for _, lang := range core.Languages {
		for key, n := range everyNotice(lang) {
			template := key[strings.Index(key, "/")+1:]
			t.Run(lang+"/"+key, func(t *testing.T) {
				text, html, err := Render(template, n)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				for _, part := range []string{text, html} {
					for _, bad := range []string{"{{", "}}", "<no value>", "%!", "\uFFFD"} {
						if strings.Contains(part, bad) {
							t.Errorf("rendered notice has %q:\n%s", bad, part)
						}
					}
				}
				if lang != core.LangRU {
					return
				}
				if !strings.Contains(text, "Здравствуйте") && template != core.TemplateReply {
					t.Errorf("Russian notice does not greet in Russian:\n%s", text)
				}
				for _, part := range []string{text, html} {
					plain := commandOrRef.ReplaceAllString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(part, " "), " ")
					if w := englishWords.FindString(plain); w != "" {
						t.Errorf("Russian notice has the English word %q:\n%s", w, part)
					}
				}
			})
		}
	}
	if en, ru := len(Names()), len(namesOf(core.LangRU)); en != ru {
		t.Errorf("%d English templates, %d Russian ones", en, ru)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{1: "кредит", 2: "кредита", 5: "кредитов", 11: "кредитов", 12: "кредитов", 21: "кредит", 22: "кредита", 25: "кредитов", 0: "кредитов", 101: "кредит"} {
		if got := plural(n, "кредит", "кредита", "кредитов"); got != want {
			t.Errorf("plural(%d)=%q, want %q", n, got, want)
		}
	}
}
