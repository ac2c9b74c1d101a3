package core_test

import (
	"context"
	"strings"
	"testing"

	"helpdesk/core"
)

// TestReplies_Templates: a saved reply is refused at add with the reason
// when its name or text could not be sent (docs/rules.md §7).
func TestReplies_Templates(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t)
	if _, err := f.svc.AddReplyTemplate(ctx, "thanks", "Hello {{customer_name}}, about #{{ ticket }}. {{agent}}", "admin"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, tname, text, want string
	}{
		{"UnknownPlaceholder", "a", "Hi {{customer}}", "unknown placeholder {{customer}}"},
		{"GoTemplate", "b", "Hi {{.Name}}", "unknown placeholder {{.Name}}"},
		{"NotClosed", "c", "Hi {{agent", "not closed"},
		{"Empty", "d", "  \n", "needs a text"},
		{"TooLong", "e", strings.Repeat("x", core.MaxReplyTemplateBytes+1), "at most"},
		{"BadName", "Thanks Now", "Hi", "lowercase letters"},
		{"Taken", "thanks", "Hi", "exists already"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.AddReplyTemplate(ctx, c.tname, c.text, "admin")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err=%v, want %q", err, c.want)
			}
		})
	}
	list, err := f.svc.ReplyTemplates(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "thanks" {
		t.Fatalf("list=%+v, %v; want thanks alone", list, err)
	}
	if err := f.svc.RemoveReplyTemplate(ctx, "thanks"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RemoveReplyTemplate(ctx, "thanks"); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("second remove: %v, want not found", err)
	}
}

// TestReplies_ReplyWith: reply-with fills the placeholders, a hostile
// name included, and answers through the same path as reply: mailed, or
// held while a charge waits (docs/rules.md §5, §7).
func TestReplies_ReplyWith(t *testing.T) {
	ctx := context.Background()
	f := mustFixture(t)
	if _, err := f.svc.AddReplyTemplate(ctx, "fixed", "Hello {{customer_name}},\n\nticket {{ticket}} is fixed.\n\n{{agent}}", "admin"); err != nil {
		t.Fatal(err)
	}
	n := f.openWith(t, 0)
	// A name is the customer's to choose: line breaks and markup in it.
	err := f.db.Tx(ctx, func(tx core.Tx) error {
		p, err := tx.ProfileByEmail(ctx, ann)
		if err != nil {
			return err
		}
		p.Name = "Ann **{{agent}}**\n\nSigned: <b>CEO</b>"
		return tx.UpdateProfile(ctx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello Ann **{{agent}}** Signed: <b>CEO</b>,\n\nticket " + itoa(n) + " is fixed.\n\nDana"
	preview, err := f.svc.PreviewReply(ctx, n, agent, "fixed")
	if err != nil || preview != want {
		t.Fatalf("preview=%q, %v; want %q", preview, err, want)
	}
	if len(f.replies(t, n)) != 0 {
		t.Fatal("the preview mailed something")
	}
	if res := mustAct(t, f, n, agent, "reply-with", "fixed"); !strings.Contains(res, "answer sent") {
		t.Fatalf("reply-with: %q", res)
	}
	if got := f.replies(t, n); len(got) != 1 || got[0] != want {
		t.Fatalf("replies=%q, want %q", got, want)
	}

	t.Run("Held", func(t *testing.T) {
		m := f.openWith(t, 0)
		mustAct(t, f, m, agent, "category", "2")
		res := mustAct(t, f, m, agent, "reply-with", "fixed")
		if !strings.Contains(res, "answer held") || len(f.replies(t, m)) != 0 {
			t.Fatalf("reply-with on a ticket waiting for confirmation: %q, mailed %q", res, f.replies(t, m))
		}
	})
	t.Run("Refusals", func(t *testing.T) {
		admin := core.Actor{Kind: core.ActorAdmin, ID: "admin"}
		for _, c := range []struct {
			who  core.Actor
			name string
			want string
		}{
			{agent, "nope", "no saved reply"},
			{admin, "fixed", "only an agent"},
		} {
			if _, err := f.act(n, c.who, "reply-with", c.name); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s reply-with %s: %v, want %q", c.who.ID, c.name, err, c.want)
			}
			if _, err := f.svc.PreviewReply(ctx, n, c.who, c.name); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s preview %s: %v, want %q", c.who.ID, c.name, err, c.want)
			}
		}
	})
}
