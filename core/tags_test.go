package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"helpdesk/core"
)

func TestValidTag(t *testing.T) {
	cases := []struct {
		tag string
		ok  bool
	}{
		{"billing", true},
		{"third-party_2", true},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), false},
		{"", false},
		{"Billing", false},
		{"two words", false},
		{"naïve", false},
		{"a,b", false},
	}
	for _, tc := range cases {
		err := core.ValidTag(tc.tag)
		if tc.ok != (err == nil) || err != nil && core.ErrorCode(err) != core.EINVALID {
			t.Errorf("ValidTag(%q) = %v, want ok %v", tc.tag, err, tc.ok)
		}
	}
}

func TestTags_Action(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	n := f.mustReceive(t, mail(ann, "support@support.example.com", "Checkout", "blank page")).Ticket
	f.outbox(t, n) // the opening rows are not this test's
	f.deliver(t)

	res, err := f.svc.Act(ctx, n, agent, "tag", "add", "billing")
	if err != nil || !strings.Contains(res, "tagged billing") {
		t.Fatalf("tag add: %q, %v", res, err)
	}
	rows := f.outbox(t, n)
	var card, reply core.SlackPost
	if len(rows[core.OutboxSlackUpdate]) == 0 || len(rows[core.OutboxSlackReply]) == 0 {
		t.Fatalf("no card update or thread line: %v", rows)
	}
	json.Unmarshal(rows[core.OutboxSlackUpdate][len(rows[core.OutboxSlackUpdate])-1].Payload, &card)
	json.Unmarshal(rows[core.OutboxSlackReply][len(rows[core.OutboxSlackReply])-1].Payload, &reply)
	if !slices.Equal(card.Tags, []string{"billing"}) || !strings.Contains(reply.Event, "tag: billing added by") {
		t.Fatalf("card tags %v, thread event %q", card.Tags, reply.Event)
	}
	if res, err := f.svc.Act(ctx, n, agent, "tag", "add", "billing"); err != nil || !strings.Contains(res, "already") {
		t.Fatalf("second tag add: %q, %v", res, err)
	}

	refusals := []struct {
		actor core.Actor
		args  []string
		code  string
	}{
		{agent, []string{"add", "Billing"}, core.EINVALID},
		{agent, []string{"add", strings.Repeat("x", 33)}, core.EINVALID},
		{agent, []string{"rename", "billing"}, core.EINVALID},
		{agent, []string{"add"}, core.EINVALID},
		{agent, []string{"remove", "never"}, core.ENOTFOUND},
		{core.Actor{Kind: core.ActorCustomer, ID: ann}, []string{"add", "vip"}, core.EFORBIDDEN},
	}
	for _, r := range refusals {
		if _, err := f.svc.Act(ctx, n, r.actor, "tag", r.args...); core.ErrorCode(err) != r.code {
			t.Errorf("tag %v by %s: %v, want %s", r.args, r.actor.Kind, err, r.code)
		}
	}

	for i := 1; i < core.TagsPerTicket; i++ {
		if _, err := f.svc.Act(ctx, n, agent, "tag", "add", fmt.Sprintf("t%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Act(ctx, n, agent, "tag", "add", "one-too-many"); core.ErrorCode(err) != core.ECONFLICT {
		t.Fatalf("tag %d: %v, want conflict", core.TagsPerTicket+1, err)
	}
	if res, err := f.svc.Act(ctx, n, agent, "tag", "remove", "billing"); err != nil || !strings.Contains(res, "no longer tagged billing") {
		t.Fatalf("tag remove: %q, %v", res, err)
	}
	tags, err := f.db.TicketTags(ctx, n)
	if err != nil || len(tags) != core.TagsPerTicket-1 || slices.Contains(tags, "billing") {
		t.Fatalf("tags after remove: %v, %v", tags, err)
	}
}
