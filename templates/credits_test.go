package templates

import (
	"slices"
	"testing"

	"helpdesk/core"
)

func TestRender_Credits(t *testing.T) {
	packages := []core.CreditPackage{{Credits: 25, Price: "$45"}, {Credits: 50, Price: "$85"}}
	base := core.Notice{Number: 1042, Subject: "Checkout is blank", Name: "Ann", Ref: "T1042-ABC"}
	confirm := func(n *core.Notice) {
		n.Credits = &core.CreditsNotice{Wait: core.HoldConfirmation, Category: 2, Cost: 10, Due: 10, Balance: 50, Packages: packages}
	}
	runNoticeCases(t, core.TemplateCredits, base, []noticeCase{
		{name: "confirmation", edit: confirm,
			text:    []string{"ticket #1042", "category 2 request", "wrong settings", "costs 10 support credits", "has 50 credits", "#confirm", "#decline", "Ref: T1042-ABC"},
			notText: []string{"$45", "charged for this ticket already"},
			html:    []string{"costs 10 support credits", "#confirm"}},
		{name: "confirmation of a rise", edit: func(n *core.Notice) {
			confirm(n)
			n.Credits.Category, n.Credits.Cost, n.Credits.Charged, n.Credits.Due = 3, 20, 5, 15
		}, text: []string{"category 3 request", "server settings", "5 credits were charged for this ticket already", "charges 15 more"}},
		{name: "too few credits", edit: func(n *core.Notice) {
			n.Credits = &core.CreditsNotice{Wait: core.HoldCredits, Category: 1, Cost: 5, Due: 5, Balance: 3, Packages: packages}
		}, text: []string{"too few support credits", "costs 5 credits", "has 3 credits", "Nothing has been charged", "- 25 credits for $45", "- 50 credits for $85", "#confirm"},
			notText: []string{"#decline"},
			html:    []string{"<li>25 credits for $45</li>", "<li>50 credits for $85</li>"}},
	})
}

func TestRender_Split(t *testing.T) {
	base := core.Notice{Number: 1043, Subject: "Shipping", Name: "Ann", Ref: "T1043-ABC", SplitFrom: 1042,
		Text: "How do I add a shipping method?"}
	runNoticeCases(t, core.TemplateSplit, base, []noticeCase{
		{name: "moved", text: []string{"from ticket #1042", "its own, #1043", "> How do I add a shipping method?", "charged on its own"},
			html: []string{"<blockquote>"}},
	})
}

func TestNames_Credits(t *testing.T) {
	for _, want := range []string{core.TemplateCredits, core.TemplateSplit} {
		if !slices.Contains(Names(), want) {
			t.Errorf("Names() = %v, lacks %q", Names(), want)
		}
	}
}

// TestRender_LeavesInputAlone: escaping works on copies, so a notice's
// slices and pointers (Results, Credits and its Packages) are the same
// after rendering, and rendering twice shows the same thing.
func TestRender_LeavesInputAlone(t *testing.T) {
	n := core.Notice{Number: 1, Results: []string{"#confirm: done: <b>"},
		Credits: &core.CreditsNotice{Wait: core.HoldCredits, Packages: []core.CreditPackage{{Credits: 25, Price: "$45"}}}}
	_, first, err := Render(core.TemplateCredits, n)
	if err != nil {
		t.Fatal(err)
	}
	if n.Results[0] != "#confirm: done: <b>" || n.Credits.Packages[0].Price != "$45" {
		t.Fatalf("Render changed its input: %q, %q", n.Results[0], n.Credits.Packages[0].Price)
	}
	if _, second, _ := Render(core.TemplateCredits, n); second != first {
		t.Fatalf("a second rendering differs:\n%s\n%s", first, second)
	}
}
