package outbound

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/templates"
)

// adversarial are the characters that grow most on their way into a
// notice: HTML entities (&quot; is six bytes), quoted-printable (three
// bytes a byte of UTF-8, four-byte emoji), markdown escapes, leading tabs
// (four no-break spaces in the HTML part) and line breaks.
var adversarial = []string{"\"", "<", "&", "=", "😀", "ж", "\n\t", "\n", "a ", "[x](y) "}

// fillNotice is a notice of template with every string a customer
// controls made of unit, as long as a mail may make it, and lists far
// longer than any limit. A staff answer's text is staff's own and stays
// ordinary.
func fillNotice(template, lang, unit string) core.EmailNotice {
	long := func(n int) string { return strings.Repeat(unit, n/len(unit)+1) }
	addr := strings.Repeat("a", 64) + "@" + strings.Repeat("d", 180) + ".example"
	id := strings.Repeat("i", 200) + "@" + strings.Repeat("h", 40) + ".example"
	n := core.EmailNotice{
		Template:  template,
		MessageID: "helpdesk.t1042.1@support.example.com",
		To:        core.Address{Name: long(10000), Addr: addr},
		ReplyTo:   "support+aeaqdx65tiy65wrrnmd3c@support.example.com",
		Subject:   "[#1042] " + long(10000),
		InReplyTo: id,
		Data: core.Notice{
			Number: 1042, Subject: long(10000), Name: long(10000), Text: long(100000),
			Ref: "T1042-AEAQDX65TIY65WRRNMD3C", Lang: lang,
			Status: long(1000), Reason: long(10000), Agent: long(10000),
			Predecessor: 977, SplitFrom: 977,
			Credits: &core.CreditsNotice{Wait: core.HoldCredits, Category: 3, Cost: 30, Charged: 10, Due: 20, Balance: 5,
				Packages: []core.CreditPackage{{Credits: 25, Price: "$100"}, {Credits: 50, Price: "$190"},
					{Credits: 100, Price: "$350"}, {Credits: 200, Price: "$650"}}},
		},
	}
	for range 40 {
		n.Cc = append(n.Cc, core.Address{Name: long(10000), Addr: addr})
	}
	for range 1000 {
		n.References = append(n.References, id)
	}
	for range 1000 {
		n.Data.Results = append(n.Data.Results, "#"+long(500)+": not done: "+long(500))
	}
	for i := range 200 {
		n.Data.Tickets = append(n.Data.Tickets, core.TicketLine{Number: int64(i + 1), Subject: long(10000), Status: core.StatusInProgress,
			LastActivity: "2026-11-23 09:00 UTC", ReplyTo: "support+aeaqdx65tiy65wrrnmd3c@support.example.com"})
	}
	if template == core.TemplateReply {
		n.Data.Text = "Please clear the cache and try again.\n\nBest"
	}
	return n
}

// ordinaryNotice is the same notice as an honest mail makes it.
func ordinaryNotice(template, lang string) core.EmailNotice {
	n := testNotice()
	n.Template, n.Data.Lang = template, lang
	n.Data.Results = []string{"#priority major: done: priority set to major"}
	n.Data.Tickets = []core.TicketLine{{Number: 1042, Subject: "Checkout page is blank", Status: "submitted",
		LastActivity: "2026-11-23 09:00 UTC", ReplyTo: "support+aeaqdx65tiy65wrrnmd3c@support.example.com"}}
	n.Data.Credits = &core.CreditsNotice{Wait: core.HoldConfirmation, Category: 2, Cost: 10, Balance: 40}
	return n
}

// TestNoticeSize_Adversarial: every notice, in every language, stays
// within core.MaxNoticeBytes however a stranger fills what they control
// (subject, names, their text, addresses, Message-IDs, References, the
// commands and tickets listed), as written by core under the default and
// the largest [limits], and as built from a row nobody bounded. An
// ordinary notice is a few KiB: the bound is a fixed multiple of it.
func TestNoticeSize_Adversarial(t *testing.T) {
	date := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	bounds := []struct {
		name  string
		bound func(core.EmailNotice) core.EmailNotice
	}{
		{"default limits", core.MailLimits{}.BoundNotice},
		{"largest limits", core.CeilingLimits().BoundNotice},
		{"unbounded row", func(n core.EmailNotice) core.EmailNotice { return n }},
	}
	for _, lang := range []string{core.LangEN, core.LangRU} {
		for _, name := range templates.Names() {
			ordinary, err := BuildEmail(ordinaryNotice(name, lang), testFrom, date)
			if err != nil {
				t.Fatalf("%s/%s: ordinary: %v", lang, name, err)
			}
			worst, worstUnit := 0, ""
			for _, b := range bounds {
				for _, unit := range adversarial {
					raw, err := BuildEmail(b.bound(fillNotice(name, lang, unit)), testFrom, date)
					if err != nil {
						t.Fatalf("%s/%s/%s/%q: %v", lang, name, b.name, unit, err)
					}
					if len(raw) > core.MaxNoticeBytes {
						t.Errorf("%s/%s/%s/%q: %d bytes, over %d", lang, name, b.name, unit, len(raw), core.MaxNoticeBytes)
					}
					if len(raw) > worst {
						worst, worstUnit = len(raw), fmt.Sprintf("%s/%q", b.name, unit)
					}
				}
			}
			t.Logf("%s/%-8s ordinary %5d bytes, worst %5d (%.1fx, %s)", lang, name, len(ordinary), worst,
				float64(worst)/float64(len(ordinary)), worstUnit)
		}
	}
}
